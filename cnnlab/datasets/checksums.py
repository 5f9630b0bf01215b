"""Checksums: the evidence that a file is the one the publisher released.

Two rules, one per situation (the digests themselves live in ``registry.py``):

* a **file on disk** (cache, a folder you name, Debian's copy) is accepted
  when the SHA-256 of its uncompressed content matches, so a recompressed or
  an uncompressed copy of the right data is fine;
* a **download** must in addition have the MD5 the publisher lists for the
  ``.gz`` file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from .errors import ChecksumError
from .registry import FileSpec

__all__ = ["sha256_hex", "md5_file", "check_content", "fix_hint"]


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def md5_file(path) -> str:
    """Hex MD5 of the bytes of the file at ``path``, read in 1 MiB blocks."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fix_hint(dataset: str) -> str:
    """One sentence telling how to replace a bad file."""
    return (f"delete it and run `python -m cnnlab.datasets download {dataset}` "
            f"(or copy a good file there)")


def check_content(content: bytes, spec: FileSpec, path, func: str, dataset: str) -> None:
    """Raise :class:`ChecksumError` unless ``sha256(content) == spec.sha256``.

    Parameters
    ----------
    content : bytes
        The uncompressed IDX bytes of the file.
    spec : FileSpec
        What the file should be.
    path : path-like
        Where it was read from (for the message).
    func, dataset : str
        Function name that starts the message; dataset name for the fix hint.
    """
    actual = sha256_hex(content)
    if actual != spec.sha256:
        raise ChecksumError(
            f"{func}: {Path(path)} is not the expected {dataset} file {spec.filename}: "
            f"SHA-256 of its uncompressed content is {actual}, expected {spec.sha256}; "
            f"{fix_hint(dataset)}")
