"""How long loading takes: full MNIST from disk into float32 arrays, and the embedded sample.

Each figure is the median of several runs in this process; every run reads,
gunzips and verifies (SHA-256) the files, parses them and converts to NCHW
float32 in [0, 1], exactly as ``load_mnist`` does for a notebook.

Full MNIST is read from ``--data-dir``, else ``CNNLAB_MNIST_DIR``, else the
project cache, else ``../shared/mnist`` next to the repository; without any,
only the sample is timed.

    python benchmarks/bench_datasets.py [--repeat 5] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from cnnlab.datasets import MNIST, load_mnist
from cnnlab.datasets.sources import cache_dir, find_file

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 2.0


def mnist_folder(explicit) -> Path | None:
    candidates = [explicit, os.environ.get(MNIST.env_var), cache_dir(MNIST),
                  ROOT.parent / "shared" / "mnist"]
    for c in candidates:
        if c and all(find_file(Path(c), f.accepted_names) for f in MNIST.files):
            return Path(c)
    return None


def median_seconds(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--data-dir", help="folder holding the four MNIST files")
    args = parser.parse_args(argv)

    folder = mnist_folder(args.data_dir)
    if folder is None:
        print("full MNIST: not found (set CNNLAB_MNIST_DIR or run "
              "`python -m cnnlab.datasets download mnist`); skipped")
    else:
        med, times = median_seconds(
            lambda: load_mnist(folder, source="full", download=False), args.repeat)
        verdict = "OK" if med < TARGET_S else "SLOWER THAN TARGET"
        print(f"full MNIST from {folder} -> float32 (60000+10000, 1, 28, 28): "
              f"median {med:.3f} s over {args.repeat} runs (first run in this process "
              f"{times[0]:.3f} s, min {min(times):.3f}, max {max(times):.3f}); "
              f"target < {TARGET_S:g} s: {verdict}")
    med, times = median_seconds(lambda: load_mnist(source="sample"), args.repeat)
    print(f"embedded sample -> float32 (4000+1000, 1, 28, 28): median {med * 1000:.1f} ms over "
          f"{args.repeat} runs (first {times[0] * 1000:.1f}, min {min(times) * 1000:.1f}, "
          f"max {max(times) * 1000:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
