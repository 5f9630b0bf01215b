"""Read and write IDX files, the format MNIST and Fashion-MNIST come in.

An IDX file is a tiny header followed by the raw numbers::

    bytes 0-1   0x00 0x00
    byte  2     type code: 0x08 = uint8 (the only one MNIST uses), 0x09 = int8,
                0x0B = int16, 0x0C = int32, 0x0D = float32, 0x0E = float64
    byte  3     number of dimensions, D
    4*D bytes   each dimension as a big-endian uint32
    the rest    prod(dims) numbers, big-endian, C order

So MNIST images start with the magic number ``0x00000803 = 2051`` (uint8, 3
dimensions) and then ``N, 28, 28``; labels start with ``2049`` (uint8, 1
dimension) and then ``N``. The reader refuses a file whose header and size
disagree, naming the file and the problem, rather than guessing.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from .._io import atomic_write
from .errors import IdxFormatError

__all__ = ["read_idx", "write_idx", "read_content", "parse_idx", "check_images",
           "check_labels", "check_pair", "GZIP_MAGIC"]

GZIP_MAGIC = b"\x1f\x8b"

# type code -> big-endian dtype as stored in the file
_CODES = {0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_DTYPE_TO_CODE = {np.dtype(dt).newbyteorder("=").str: code for code, dt in _CODES.items()}


def read_content(path, func: str = "read_idx") -> bytes:
    """Return the uncompressed bytes of ``path``, gunzipping it if it is gzip data.

    Gzip is recognised by its first two bytes, not by the file name.

    Raises
    ------
    IdxFormatError
        If the gzip stream is truncated or corrupt.
    """
    path = Path(path)
    data = path.read_bytes()
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IdxFormatError(f"{func}: {path}: the gzip data is truncated or corrupt "
                             f"({exc}); delete the file and fetch it again") from None


def parse_idx(data: bytes, name: str = "<bytes>", func: str = "read_idx") -> np.ndarray:
    """Parse the uncompressed bytes of an IDX file into an array.

    Parameters
    ----------
    data : bytes
        Header and body of the file.
    name : str
        What to call the file in error messages.
    func : str
        Function name that starts error messages.

    Returns
    -------
    numpy.ndarray
        Shape ``dims`` from the header, native byte order. For uint8 data it
        is a read-only view on ``data`` (no copy).

    Raises
    ------
    IdxFormatError
        Bad magic number, a header cut short, or a body whose size differs
        from ``prod(dims) * itemsize``.
    """
    if len(data) < 4:
        raise IdxFormatError(f"{func}: {name}: file has {len(data)} bytes, too short "
                             f"for the 4-byte IDX magic number")
    zero1, zero2, code, ndim = data[0], data[1], data[2], data[3]
    if zero1 != 0 or zero2 != 0 or code not in _CODES or ndim == 0:
        magic = int.from_bytes(data[:4], "big")
        raise IdxFormatError(
            f"{func}: {name}: bad magic number {magic} (0x{magic:08x}); an IDX file starts "
            f"with two zero bytes, a type code (0x08 = uint8) and the number of "
            f"dimensions, e.g. 2051 for images (N, 28, 28) and 2049 for labels (N,). "
            f"Is this really an IDX file?")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise IdxFormatError(f"{func}: {name}: header is truncated: {ndim} dimensions need "
                             f"{header_len} header bytes, the file has {len(data)}")
    dims = struct.unpack(f">{ndim}I", data[4:header_len])
    dtype = _CODES[code]
    count = math.prod(dims)
    expected = count * dtype.itemsize
    body = len(data) - header_len
    shape_text = " x ".join(str(d) for d in dims)
    if body < expected:
        raise IdxFormatError(f"{func}: {name}: file is truncated: the header says {shape_text} "
                             f"values of {dtype.itemsize} byte(s) = {expected} bytes of data, "
                             f"but only {body} bytes follow the header")
    if body > expected:
        raise IdxFormatError(f"{func}: {name}: file is longer than its header says: "
                             f"{shape_text} values = {expected} bytes of data expected, "
                             f"{body} bytes follow the header ({body - expected} extra)")
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=header_len).reshape(dims)
    if dtype.itemsize > 1:
        arr = arr.astype(dtype.newbyteorder("="))
    return arr


def read_idx(path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not.

    Parameters
    ----------
    path : str or os.PathLike
        e.g. ``"data/mnist/train-images-idx3-ubyte.gz"``.

    Returns
    -------
    numpy.ndarray
        A new, writable array with the header's shape, e.g. ``(60000, 28, 28)``
        uint8 for MNIST training images or ``(60000,)`` uint8 for its labels.

    Raises
    ------
    IdxFormatError
        If the file is not a well-formed IDX file; the message names the file.
    """
    content = read_content(path, func="read_idx")
    arr = parse_idx(content, name=str(path), func="read_idx")
    return arr if arr.flags.writeable else arr.copy()


def write_idx(path, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed if ``path`` ends in ``.gz``.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    array : numpy.ndarray
        Any shape with at least one dimension; dtype uint8, int8, int16,
        int32, float32 or float64.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"write_idx: expected array to be a numpy.ndarray, got {type(array).__name__}")
    key = array.dtype.newbyteorder("=").str
    if key not in _DTYPE_TO_CODE:
        raise ValueError(f"write_idx: dtype {array.dtype} has no IDX type code; expected one "
                         f"of uint8, int8, int16, int32, float32, float64")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"write_idx: array must have 1 to 255 dimensions, got {array.ndim}")
    code = _DTYPE_TO_CODE[key]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    body = np.ascontiguousarray(array, dtype=_CODES[code]).tobytes()
    path = Path(path)
    data = header + body
    if path.name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    atomic_write(path, data)
    return path


def check_images(arr: np.ndarray, name: str, func: str) -> None:
    """Raise unless ``arr`` holds MNIST-style images: uint8, shape ``(N, 28, 28)``."""
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[1:] != (28, 28):
        raise IdxFormatError(f"{func}: {name}: expected images of shape (N, 28, 28) and "
                             f"dtype uint8 (magic number 2051), got shape {arr.shape} and "
                             f"dtype {arr.dtype}")


def check_labels(arr: np.ndarray, name: str, func: str, num_classes: int = 10) -> None:
    """Raise unless ``arr`` holds labels: uint8, shape ``(N,)``, values below ``num_classes``."""
    if arr.dtype != np.uint8 or arr.ndim != 1:
        raise IdxFormatError(f"{func}: {name}: expected labels of shape (N,) and dtype uint8 "
                             f"(magic number 2049), got shape {arr.shape} and dtype {arr.dtype}")
    if arr.size and int(arr.max()) >= num_classes:
        raise IdxFormatError(f"{func}: {name}: expected labels in 0..{num_classes - 1}, "
                             f"found {int(arr.max())}")


def check_pair(images: np.ndarray, labels: np.ndarray, image_name: str, label_name: str,
               func: str) -> None:
    """Raise unless there is exactly one label per image."""
    if images.shape[0] != labels.shape[0]:
        raise IdxFormatError(f"{func}: {image_name} has {images.shape[0]} images but "
                             f"{label_name} has {labels.shape[0]} labels; the two files do not "
                             f"belong together")
