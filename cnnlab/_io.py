"""One atomic write for the whole package.

Readers see the old file or the new one, never a mix: the data goes to a
temporary file with a unique name in the target's folder, is flushed and
fsynced, then renamed over the target; on any failure the temporary file is
removed and the target is untouched. The new file gets the mode any other new
file would get (``0o666`` less the umask), not ``mkstemp``'s private ``0o600``,
so a class's shared cache stays readable.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    # so that the rename itself survives a power cut; not every file system allows it
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_writer(path, *, suffix: str = ".tmp"):
    """``with atomic_writer(path) as f: f.write(...)``: what is written replaces ``path`` at the end.

    ``f`` is a binary file open on a new temporary file in ``path``'s folder
    (``.<name>.<random><suffix>``; its path is ``f.name``), so a writer can
    stream into it and check what it wrote (a download's checksum) before the
    block ends. When the block ends without an error the file is flushed,
    fsynced and renamed over ``path``; when it raises, the temporary file is
    removed, ``path`` is untouched and the error propagates.

    Parameters
    ----------
    path : str or os.PathLike
        The file to replace (its folder must exist).
    suffix : str
        Of the temporary file's name, e.g. ``".part"`` for a download.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)  # reopened by name, so that f.name is the temporary file's path
    try:
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def atomic_write(path, data) -> None:
    """Write ``data`` (``str``, as UTF-8, or ``bytes``) to ``path`` atomically (see :func:`atomic_writer`)."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with atomic_writer(path) as f:
        f.write(payload)


__all__ = ["atomic_write", "atomic_writer"]
