"""Downloads that can be trusted: mirrors, verification, atomic writes, progress.

For each file, every mirror is tried in turn. A download is written to a
hidden temporary file next to its destination (``.name.XXXX.part``), checked
against the published MD5 and the SHA-256 of its content, and only then
renamed to its final name, in one atomic step. A failed, corrupt or
interrupted download leaves nothing behind. When every mirror fails the error
lists each address with its reason and says how to work offline. With
``CNNLAB_OFFLINE`` set nothing is ever requested: a download that is needed
raises :class:`~cnnlab.datasets.errors.OfflineError` instead.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import urllib.error
import urllib.request
from pathlib import Path

from .._io import atomic_writer
from .checksums import sha256_hex
from .errors import ChecksumError, DownloadError, IdxFormatError, OfflineError
from .idx import read_content
from .registry import DatasetSpec, FileSpec, get_spec
from .sources import OFFLINE_ENV, cache_dir, find_file, offline_help, offline_requested

__all__ = ["download_file", "download_dataset", "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 30.0  # seconds without any data before a mirror is given up
_CHUNK = 1 << 16


def _progress_bar(total, desc: str, enabled: bool):
    """A tqdm bar (notebook-aware via tqdm.auto), or None if disabled/unavailable."""
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is a dependency; never fail a download over a bar
        return None
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                leave=False)


def _reason(exc: BaseException, timeout: float) -> str:
    """A short, plain reason for a failed request."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, (socket.timeout, TimeoutError)):
            return f"no answer within {timeout:g} s"
        return f"cannot connect ({exc.reason})"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"stalled: no data for {timeout:g} s"
    return f"{type(exc).__name__}: {exc}"


def _fetch(url: str, fh, timeout: float, desc: str, progress: bool, expected_size) -> str:
    """Stream ``url`` into the open binary file ``fh``; return the MD5 of the bytes."""
    request = urllib.request.Request(url, headers={"User-Agent": "cnnlab-datasets"})
    md5 = hashlib.md5(usedforsecurity=False)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else expected_size
        bar = _progress_bar(total, desc, progress)
        received = 0
        try:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                fh.write(chunk)
                md5.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        if length and length.isdigit() and received != int(length):
            raise OSError(f"connection closed after {received} of {length} bytes")
    return md5.hexdigest()


def download_file(urls, dest, *, md5: str | None = None, sha256: str | None = None,
                  timeout: float = DEFAULT_TIMEOUT, progress: bool = True,
                  expected_size: int | None = None, help_text: str = "") -> Path:
    """Download one file from the first mirror that serves a verified copy.

    Parameters
    ----------
    urls : sequence of str
        Full addresses of the same file on different mirrors, tried in order.
    dest : str or os.PathLike
        Final path. Its folder is created if needed.
    md5 : str, optional
        Expected MD5 of the downloaded bytes (as published).
    sha256 : str, optional
        Expected SHA-256 of the uncompressed content (gzip data is
        recognised by its first bytes and decompressed to check it).
    timeout : float
        Seconds to wait for a connection or for the next block of data.
    progress : bool
        Show a tqdm progress bar.
    expected_size : int, optional
        Size shown by the progress bar when the server does not send one.
    help_text : str
        Appended to the error when every mirror fails (offline instructions).

    Returns
    -------
    pathlib.Path
        ``dest``, now holding a verified file.

    Raises
    ------
    DownloadError
        If no mirror gave a verified file; lists every address and reason.
    OfflineError
        ``CNNLAB_OFFLINE`` is set: no mirror is contacted.
    """
    func = "download_file"
    if isinstance(urls, str):
        urls = [urls]
    urls = list(urls)
    if not urls or not all(isinstance(u, str) for u in urls):
        raise TypeError(f"{func}: expected urls to be a non-empty list of strings, got {urls!r}")
    if md5 is None and sha256 is None:
        raise ValueError(f"{func}: give md5= and/or sha256=; a download is never accepted "
                         f"unverified")
    if not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"{func}: expected timeout > 0 seconds, got {timeout!r}")
    dest = Path(dest)
    if offline_requested():
        raise OfflineError(f"{func}: {OFFLINE_ENV} is set, so {dest.name} is not downloaded from any "
                           f"mirror; unset {OFFLINE_ENV} to download", [dest.name])
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for url in urls:
        if not url.startswith(("http://", "https://")):
            failures.append(f"  {url}: not an http(s) address")
            continue
        try:
            # verified before the block ends: only then does the file become dest
            with atomic_writer(dest, suffix=".part") as fh:
                got_md5 = _fetch(url, fh, timeout, dest.name, progress, expected_size)
                fh.flush()
                if md5 is not None and got_md5 != md5:
                    raise ChecksumError(f"MD5 is {got_md5}, expected {md5}")
                if sha256 is not None:
                    got_sha = sha256_hex(read_content(Path(fh.name), func=func))
                    if got_sha != sha256:
                        raise ChecksumError(f"SHA-256 of the content is {got_sha}, expected {sha256}")
            return dest
        except (ChecksumError, IdxFormatError) as exc:
            failures.append(f"  {url}: corrupt download, discarded ({exc})")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            failures.append(f"  {url}: {_reason(exc, timeout)}")
    message = (f"{func}: could not download {dest.name}; every mirror failed:\n"
               + "\n".join(failures))
    if help_text:
        message += "\n" + help_text
    raise DownloadError(message)


def _verified_copy(folder: Path, f: FileSpec) -> Path | None:
    """A file in ``folder`` whose content verifies against ``f``, else None."""
    p = find_file(folder, f.accepted_names)
    if p is None:
        return None
    try:
        content = read_content(p)
    except IdxFormatError:
        return None
    return p if sha256_hex(content) == f.sha256 else None


def download_dataset(name, data_dir=None, *, mirrors=None, timeout: float = DEFAULT_TIMEOUT,
                     progress: bool = True) -> Path:
    """Download and verify the four files of a dataset, skipping good ones already there.

    Parameters
    ----------
    name : str
        ``"mnist"`` or ``"fashion-mnist"``.
    data_dir : str or os.PathLike, optional
        Folder to download into; default the project cache (``data/<name>/``
        in a checkout, see :func:`cnnlab.datasets.sources.cache_root`).
    mirrors : sequence of str, optional
        Base addresses to use instead of the built-in list (each is joined
        with the file name; a missing trailing ``/`` is added).
    timeout : float
        Seconds to wait for a connection or the next block of data.
    progress : bool
        Show a progress bar per file.

    Returns
    -------
    pathlib.Path
        The folder now holding four verified files.

    Raises
    ------
    DownloadError
        At the first file that no mirror could provide (so an offline
        machine fails fast), with the offline instructions.
    OfflineError
        ``CNNLAB_OFFLINE`` is set and some file is missing: nothing is
        requested; the message and ``missing`` name the files.
    """
    spec = name if isinstance(name, DatasetSpec) else get_spec(name, "download_dataset")
    folder = Path(data_dir).expanduser() if data_dir is not None else cache_dir(spec)
    if mirrors is None:
        bases = list(spec.mirrors)
    else:
        if isinstance(mirrors, str) or not all(isinstance(m, str) for m in mirrors):
            raise TypeError(f"download_dataset: expected mirrors to be a list of base addresses "
                            f"(strings), got {mirrors!r}")
        bases = [m if m.endswith("/") else m + "/" for m in mirrors]
    missing = [f for f in spec.files if _verified_copy(folder, f) is None]
    if missing and offline_requested():
        names = [f.filename for f in missing]
        raise OfflineError(f"download_dataset: {OFFLINE_ENV} is set, so nothing is downloaded "
                           f"({spec.name} needs {', '.join(names)} in {folder}); unset "
                           f"{OFFLINE_ENV} to download", names)
    created = not folder.exists()
    try:
        for f in missing:
            download_file([base + f.filename for base in bases], folder / f.filename,
                          md5=f.md5, sha256=f.sha256, timeout=timeout, progress=progress,
                          expected_size=f.size, help_text=offline_help(spec))
    except BaseException:
        if created and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # leave no empty folder behind a failed first download
        raise
    return folder
