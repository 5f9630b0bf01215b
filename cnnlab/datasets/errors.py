"""The errors and the warning that the dataset functions raise.

Each is a subclass of a built-in exception, so ``except ValueError`` or
``except OSError`` still catches it; the subclass lets a test or a notebook
tell one problem from another.
"""

from __future__ import annotations


class IdxFormatError(ValueError):
    """A file is not a well-formed IDX file (bad magic, wrong size, truncated).

    The message names the file and the problem.
    """


class ChecksumError(ValueError):
    """A file's content does not match the checksum recorded for it.

    The message names the file, the expected and the actual digest, and what
    to do about it.
    """


class DownloadError(OSError):
    """Every mirror failed for a file.

    The message lists each address tried with its reason, then says which
    files to put in which folder to work offline.
    """


class DatasetNotFoundError(FileNotFoundError):
    """The full dataset is in none of the places searched and was not downloaded.

    The message lists the places searched and the offline instructions.
    """


class SampleFallbackWarning(UserWarning):
    """Full MNIST could not be had, so the embedded 5,000-digit sample is used.

    Issued once per process; pass ``source="sample"`` to ask for the sample
    on purpose (no warning), or ``source="full"`` to get an error instead.
    """
