"""``python -m cnnlab.pretrained build | info``: make the shipped LeNet-5 weights, or describe them.

``build`` trains LeNet-5 on full MNIST with :data:`cnnlab.pretrained.RECIPE`
(about a minute on 2 cores), exactly as ``python -m cnnlab train`` with those
options would, then writes the model's weights, the options, the per-epoch
history and the test results to ``cnnlab/pretrained/lenet5_mnist.npz``
(atomically). It refuses to run on the embedded sample.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from .._options import plural
from . import RECIPE, WEIGHTS, pretrained_info


def train_command(recipe=RECIPE) -> str:
    """The ``python -m cnnlab train`` command line equivalent to ``recipe``."""
    flags = " ".join(f"--{key.replace('_', '-')} {value}" for key, value in recipe.items())
    return f"python -m cnnlab train {flags}"


def build(run_dir: Path, output: Path, data_dir=None, progress=True) -> dict:
    """Train with the recipe into ``run_dir`` and export the weights to ``output``; return the metadata."""
    from ..recipe import build_model, train_run
    from ..datasets import load_mnist
    from ..train import load_checkpoint, save_checkpoint

    load_mnist(data_dir, source="full")  # fail now, with the offline instructions, not after training
    given = {**RECIPE, "out": str(run_dir), "progress": progress}
    if data_dir is not None:
        given["data_dir"] = str(data_dir)
    results = train_run(given, overwrite=True)
    if results["dataset_source"] != "full":
        raise RuntimeError(f"trained on the {results['dataset_source']} dataset, not full MNIST")
    checkpoint = load_checkpoint(run_dir / "checkpoint.npz")
    config = json.loads((run_dir / "config.json").read_text(encoding="utf-8"))
    model = build_model(config, np.random.default_rng(0))
    model.load_state_dict(checkpoint.model)
    meta = {"command": train_command(), "built_by": "python -m cnnlab.pretrained build",
            "config": {k: v for k, v in config.items() if k not in ("out", "data_dir", "progress")},
            "test_acc": results["test_acc"], "test_loss": results["test_loss"],
            "n_test": results["n_test"], "per_class_acc": results["per_class_acc"],
            "confusion_matrix": results["confusion_matrix"],
            "epochs": checkpoint.history.epochs,
            "train_seconds": float(sum(checkpoint.history.epochs["seconds"]))}
    save_checkpoint(output, model=model, epoch=checkpoint.epoch, meta=meta)
    return meta


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlab.pretrained",
                                     description="The pretrained LeNet-5 shipped with cnnlab.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    b = sub.add_parser("build", help="train LeNet-5 on full MNIST with the recorded recipe and "
                       "write the weights file", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("--data-dir", help="folder with the four MNIST files (default: the usual search)")
    b.add_argument("--run-dir", default="runs/pretrained-lenet5",
                   help="run folder for the training (default: %(default)s)")
    b.add_argument("--output", default=str(WEIGHTS), help="weights file to write (default: the "
                   "package's own, %(default)s)")
    b.add_argument("--no-progress", action="store_true", help="no progress bars")
    sub.add_parser("info", help="print what the shipped weights record: command, accuracy, history")
    args = parser.parse_args(argv)
    if args.command == "build":
        from ..datasets import DatasetNotFoundError
        try:
            meta = build(Path(args.run_dir), Path(args.output), args.data_dir, not args.no_progress)
        except DatasetNotFoundError as exc:
            print(f"python -m cnnlab.pretrained build: needs full MNIST: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {args.output}: test accuracy {100 * meta['test_acc']:.2f}%")
        return 0
    info = pretrained_info()
    print(f"weights:        {WEIGHTS}")
    print(f"made by:        {info['built_by']}")
    print(f"equivalent to:  {info['command']}")
    print(f"test accuracy:  {100 * info['test_acc']:.2f}% on {info['n_test']:,} MNIST test digits")
    print(f"training time:  {info['train_seconds']:.0f} s over {plural(len(info['epochs']['epoch']), 'epoch')}")
    print("per epoch:      " + ", ".join(f"{100 * a:.2f}%" for a in info["epochs"]["test_acc"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
