"""Keep glibc from handing big temporaries back to the OS on every training step.

A training step allocates and frees the same few large arrays (the unrolled
patches of conv2 are ``150 * 10 * 10 * N`` floats: 3.8 MB at batch 64) again
and again. By default glibc serves blocks above its *mmap threshold* with a
fresh ``mmap`` and gives them back with ``munmap`` when freed; blocks below it
come from the heap, whose top is returned to the OS (``trim``) once more than
the *trim threshold* lies free. Either way, a step can then pay for the kernel
to hand over and zero new pages: on this project's machine that made a first
NumPy LeNet-5 prototype train 2.5x slower. (glibc raises its mmap threshold by
itself after freeing a large block, up to 32 MiB; with the fast path's
temporaries that already kept page faults below one per step at batch 64 and
256, and the throughput with and without this tuning differed by less than the
noise. The tuning makes it so whatever the allocation pattern.)

:func:`tune_malloc` raises both thresholds with ``mallopt(3)``, so freed blocks
stay in the process and the next step reuses them. The cost is memory: freed heap, up to
``trim_threshold`` bytes, may stay mapped (LeNet-5's temporaries add up to tens
of MB). It only acts on Linux with glibc and never raises: on other
systems (macOS, Windows, musl) it does nothing and returns False. Set the
environment variable ``CNNLAB_NO_MALLOPT=1`` to switch it off.

:mod:`cnnlab.fast` calls it once at import, so ``LeNet5(..., fast=True)``
(which imports that package) gets it; the reference layers are unaffected
unless they run in the same process, where they benefit too.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys

# from glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

# glibc caps the mmap threshold at 32 MiB on 64-bit systems (HEAP_MAX / 2 and
# DEFAULT_MMAP_THRESHOLD_MAX); larger values make mallopt fail.
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 512 * 1024 * 1024


def _glibc():
    """The C library as a ctypes handle when it is glibc on Linux, else None."""
    if not sys.platform.startswith("linux"):
        return None
    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def tune_malloc(mmap_threshold: int = MMAP_THRESHOLD, trim_threshold: int = TRIM_THRESHOLD) -> bool:
    """Raise glibc's mmap and trim thresholds; True if both were set.

    Safe to call any number of times, and anywhere: returns False without
    changing anything when the C library is not glibc, when ``mallopt`` refuses
    a value, or when ``CNNLAB_NO_MALLOPT=1`` is set.

    Parameters
    ----------
    mmap_threshold : int
        Bytes; blocks up to this size come from the heap (reused) instead of
        their own ``mmap`` (returned to the OS when freed). At most 32 MiB.
    trim_threshold : int
        Bytes of free memory at the top of the heap kept before giving it back.

    Returns
    -------
    bool
    """
    if os.environ.get("CNNLAB_NO_MALLOPT") == "1":
        return False
    libc = _glibc()
    if libc is None:
        return False
    try:
        # mallopt returns 1 on success, 0 on error
        ok_mmap = libc.mallopt(M_MMAP_THRESHOLD, int(mmap_threshold)) == 1
        ok_trim = libc.mallopt(M_TRIM_THRESHOLD, int(trim_threshold)) == 1
    except (OSError, ValueError, ctypes.ArgumentError):
        return False
    return ok_mmap and ok_trim
