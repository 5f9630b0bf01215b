"""One atomic write for the whole package, and the locks that keep writers apart.

Readers see the old file or the new one, never a mix: the data goes to a
temporary file with a unique name in the target's folder, is flushed and
fsynced, then renamed over the target; on any failure the temporary file is
removed and the target is untouched. Every new file is created with mode
``0o666`` and the kernel applies the umask (``0o644`` under umask 022,
``0o664`` under 002), as for any other new file, not ``mkstemp``'s private
``0o600``: a class's shared cache stays readable.

A writer holds an advisory lock (``flock``) on its temporary file while it
writes, so a file left by a writer that was killed (SIGKILL, a power cut) is
recognised: nobody holds its lock. The next write of the same target removes
such files, and never a live writer's. :class:`FileLock` is the same lock on a
file of its own, held for as long as a process works in a folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; abandoned files are then left alone
    fcntl = None

__all__ = ["atomic_write", "atomic_writer", "FileLock", "LockedError", "remove_if_abandoned"]

_OPEN_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


class LockedError(OSError):
    """Another process holds the lock; ``pid`` is the holder's process id, if it wrote one."""

    def __init__(self, path, pid: int | None):
        super().__init__(f"{path} is locked by process {pid if pid is not None else '(unknown)'}")
        self.path, self.pid = Path(path), pid


def _try_lock(fd: int) -> bool:
    """Take the exclusive lock on ``fd`` if no other open file holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _still_named(fd: int, path: Path) -> bool:
    """``path`` still names the file open on ``fd`` (no one removed or replaced it meanwhile)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _new_locked_file(folder: Path, prefix: str, suffix: str) -> tuple[int, Path]:
    """A new empty file ``<prefix><8 hex digits><suffix>`` in ``folder``, locked; (fd, path)."""
    while True:
        path = folder / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            fd = os.open(path, _OPEN_NEW, 0o666)  # the kernel applies the umask
        except FileExistsError:
            continue
        # a cleaner may have taken it for abandoned between the open and the lock
        if _try_lock(fd) and _still_named(fd, path):
            return fd, path
        os.close(fd)


def remove_if_abandoned(path, remove=os.unlink) -> bool:
    """Call ``remove(path)`` if no process holds a lock on the file ``path``; True if removed.

    A writer killed by SIGKILL releases its locks as it dies, so its files
    are recognised; a live writer's are never touched.
    """
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        if not (_try_lock(fd) and _still_named(fd, Path(path))):
            return False
        with contextlib.suppress(OSError):
            remove(path)
            return True
        return False
    finally:
        os.close(fd)


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
    (``.<name>.<8 hex digits><suffix>``; its path is ``f.name``), so a writer
    can stream into it and check what it wrote (a download's checksum) before
    the block ends. When the block ends without an error the file is flushed,
    fsynced and renamed over ``path``; when it raises, the temporary file is
    removed, ``path`` is untouched and the error propagates. Temporary files of
    ``path`` left by writers that were killed are removed first.

    Parameters
    ----------
    path : str or os.PathLike
        The file to replace (its folder must exist).
    suffix : str
        Of the temporary file's name, e.g. ``".part"`` for a download.
    """
    path = Path(path)
    prefix = f".{path.name}."
    for stale in glob.glob(os.path.join(glob.escape(str(path.parent)),
                                        glob.escape(prefix) + "?" * 8 + glob.escape(suffix))):
        remove_if_abandoned(stale)
    lock_fd, tmp = _new_locked_file(path.parent, prefix, suffix)
    try:
        with open(tmp, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        os.close(lock_fd)
    _fsync_dir(path.parent)


def atomic_write(path, data) -> None:
    """Write ``data`` (``str``, as UTF-8, or ``bytes``) to ``path`` atomically (see :func:`atomic_writer`)."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with atomic_writer(path) as f:
        f.write(payload)


class FileLock:
    """An exclusive lock on the file ``path``, held from :meth:`acquire` to :meth:`release`.

    The file is created if needed and holds the holder's process id while
    it is held; :meth:`release` removes it. The lock is the kernel's
    (``flock``): a process that dies, however it dies, releases it.

    >>> with FileLock("runs/sweep/.lock"):                     # doctest: +SKIP
    ...     ...                                                # no other process in here
    """

    def __init__(self, path):
        self.path = Path(path)
        self._fd = None

    def acquire(self) -> FileLock:
        """Take the lock at once or raise :class:`LockedError` naming the holder's pid."""
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            if not _try_lock(fd):
                text = os.read(fd, 32).decode("ascii", "replace").strip()
                os.close(fd)
                raise LockedError(self.path, int(text) if text.isdigit() else None)
            if _still_named(fd, self.path):  # else its holder removed it as we opened it: again
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd
        return self

    def release(self) -> None:
        """Remove the file and let the lock go (nothing if not held)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)  # while still held: no one can have taken it
            os.close(self._fd)
            self._fd = None

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()
