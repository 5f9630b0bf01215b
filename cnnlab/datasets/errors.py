"""The errors and the warning that the dataset functions raise.

Each is a subclass of a built-in exception, so ``except ValueError`` or
``except OSError`` still catches it; the subclass lets a test or a notebook
tell one problem from another.
"""

from __future__ import annotations

import contextlib
import sys
import warnings


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


class OfflineError(DownloadError):
    """A download was asked for while ``CNNLAB_OFFLINE`` is set: nothing was requested.

    The message says which files were needed; ``missing`` lists their names.
    """

    def __init__(self, message, missing=()):
        super().__init__(message)
        self.missing = list(missing)


class DatasetNotFoundError(FileNotFoundError):
    """The full dataset is in none of the places searched and was not downloaded.

    The message lists the places searched and the offline instructions.
    """


class DataDirError(DatasetNotFoundError):
    """The folder the caller named (``data_dir``, ``--data-dir``) does not hold the dataset.

    It is never replaced by another folder or by the sample. ``folder`` is that
    folder and ``problem`` says what is wrong with it, so that a command line
    can say ``--data-dir FOLDER PROBLEM``.
    """

    def __init__(self, func: str, folder, problem: str):
        super().__init__(f"{func}: data_dir {folder} {problem}")
        self.folder, self.problem = folder, problem


class SampleFallbackWarning(UserWarning):
    """Full MNIST could not be had, so the embedded 5,000-digit sample is used.

    Issued once per process; pass ``source="sample"`` to ask for the sample
    on purpose (no warning), or ``source="full"`` to get an error instead.
    ``command_line`` says the same to a command-line user, in flags.
    """

    def __init__(self, message, command_line=None):
        super().__init__(message)
        self.command_line = command_line or str(message)


@contextlib.contextmanager
def warnings_as_lines(prog: str):
    """For a command line: in the block, a :class:`SampleFallbackWarning` is one plain line.

    ``<prog>: warning: <its command_line text>`` on stderr, without Python's
    file, line and source; other warnings are shown as usual.
    """
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if isinstance(message, SampleFallbackWarning):
            print(f"{prog}: warning: {message.command_line}", file=sys.stderr)
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
