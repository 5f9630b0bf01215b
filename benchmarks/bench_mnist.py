"""Time to accuracy: LeNet-5 on full MNIST with the pretrained weights' recipe.

Trains exactly as ``python -m cnnlab.pretrained build`` does
(:data:`cnnlab.pretrained.RECIPE`: Adam 2e-3, cosine decay over 10 epochs,
random shifts of up to 2 pixels, batch 64, the fast path) and prints, after
every epoch, the training time so far (the epochs' own clocks: evaluation on
the test set is not counted) and the test accuracy; then the first time the
test accuracy reached 99.0% and the accuracy after 10 epochs.

Needs full MNIST (``CNNLAB_MNIST_DIR`` or ``--data-dir``); refuses the sample.

    python benchmarks/bench_mnist.py [--data-dir DIR] [--epochs 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from cnnlab.datasets import DatasetNotFoundError, load_mnist
from cnnlab.pretrained import RECIPE
from cnnlab.recipe import train_run
from cnnlab.train import History


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder with the four MNIST files")
    parser.add_argument("--epochs", type=int, default=RECIPE["epochs"])
    parser.add_argument("--seed", type=int, default=RECIPE["seed"])
    args = parser.parse_args(argv)
    try:
        load_mnist(args.data_dir, source="full")
    except DatasetNotFoundError as exc:  # say so at once, and let `make bench` go on
        print(f"bench_mnist: skipped, it needs full MNIST: {exc}")
        return 0

    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs")
    recipe = {**RECIPE, "epochs": args.epochs, "seed": args.seed}
    print("recipe: " + ", ".join(f"{k}={v}" for k, v in recipe.items()))
    with tempfile.TemporaryDirectory() as tmp:
        given = {**recipe, "out": tmp, "progress": False}
        if args.data_dir:
            given["data_dir"] = args.data_dir
        results = train_run(given, say=lambda *a: None)
        history = History.from_json(Path(tmp) / "history.json")

    print(f"\n{'epoch':>5}  {'training s':>10}  {'test acc':>8}")
    elapsed, first_99 = np.cumsum(history.epochs["seconds"]), None
    for epoch, seconds, acc in zip(history.epochs["epoch"], elapsed, history.epochs["test_acc"]):
        print(f"{epoch:>5}  {seconds:>10.1f}  {100 * acc:>7.2f}%")
        if first_99 is None and acc >= 0.99:
            first_99 = (epoch, seconds)
    print()
    if first_99:
        print(f"99.0% test accuracy first reached after epoch {first_99[0]}, "
              f"{first_99[1]:.1f} s of training")
    else:
        print("99.0% test accuracy was not reached")
    print(f"test accuracy after {history.num_epochs} epochs: {100 * results['test_acc']:.2f}% "
          f"({elapsed[-1]:.1f} s of training)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
