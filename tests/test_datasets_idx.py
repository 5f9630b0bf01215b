"""The IDX reader: good files round-trip, bad ones are refused with the file named."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from cnnlab.datasets import IdxFormatError, read_idx, write_idx
from cnnlab.datasets.idx import check_images, check_labels, check_pair, parse_idx


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """An IDX file built by hand (not with write_idx), to test the reader independently."""
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(5, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("compressed", [False, True])
def test_reads_hand_made_images_and_labels(tmp_path, images, compressed):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    for name, arr, magic in [("imgs", images, 2051), ("labels", labels, 2049)]:
        data = idx_bytes(arr)
        assert int.from_bytes(data[:4], "big") == magic
        path = tmp_path / (name + (".gz" if compressed else ""))
        path.write_bytes(gzip.compress(data) if compressed else data)
        got = read_idx(path)
        assert got.dtype == np.uint8 and got.shape == arr.shape
        np.testing.assert_array_equal(got, arr)
        assert got.flags.writeable


def test_gzip_is_recognised_by_content_not_name(tmp_path, images):
    path = tmp_path / "images-without-gz-suffix"
    path.write_bytes(gzip.compress(idx_bytes(images)))
    np.testing.assert_array_equal(read_idx(path), images)


@pytest.mark.parametrize("dtype,code", [(np.int16, 0x0B), (np.int32, 0x0C),
                                        (np.float32, 0x0D), (np.float64, 0x0E)])
def test_multibyte_types_are_big_endian_in_the_file(tmp_path, dtype, code):
    arr = np.arange(-6, 6, dtype=dtype).reshape(3, 4) * 3
    path = tmp_path / "a.idx"
    path.write_bytes(idx_bytes(arr, code))
    got = read_idx(path)
    assert got.dtype == np.dtype(dtype)  # native byte order
    np.testing.assert_array_equal(got, arr)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_write_idx_round_trips(tmp_path, images, suffix):
    path = write_idx(tmp_path / f"x{suffix}", images)
    np.testing.assert_array_equal(read_idx(path), images)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == (suffix == ".gz")
    assert not list(tmp_path.glob("*.tmp"))


def test_write_idx_refuses_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match=r"^write_idx: dtype int64"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))


@pytest.mark.parametrize("first4", [b"\x00\x01\x08\x03", b"\x00\x00\x07\x03", b"\x00\x00\x08\x00",
                                    b"PK\x03\x04"])
def test_bad_magic_number_names_the_file(tmp_path, images, first4):
    data = first4 + idx_bytes(images)[4:]
    path = tmp_path / "bad-magic-idx3-ubyte"
    path.write_bytes(data)
    with pytest.raises(IdxFormatError, match="bad magic number") as info:
        read_idx(path)
    assert str(path) in str(info.value)
    assert str(info.value).startswith("read_idx: ")


def test_truncated_body_is_refused(tmp_path, images):
    path = tmp_path / "short-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(images)[:-10]))
    with pytest.raises(IdxFormatError, match="truncated") as info:
        read_idx(path)
    msg = str(info.value)
    assert str(path) in msg and "5 x 28 x 28" in msg and str(5 * 28 * 28 - 10) in msg


def test_header_dims_larger_than_the_data_are_refused(tmp_path, images):
    data = bytearray(idx_bytes(images))
    data[4:8] = struct.pack(">I", 6)  # header claims 6 images, body holds 5
    path = tmp_path / "lying-header"
    path.write_bytes(bytes(data))
    with pytest.raises(IdxFormatError, match="truncated"):
        read_idx(path)


def test_extra_bytes_after_the_data_are_refused(tmp_path, images):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(images) + b"\x00" * 3)
    with pytest.raises(IdxFormatError, match=r"longer than its header says.*3 extra"):
        read_idx(path)


def test_truncated_header_and_tiny_file(tmp_path):
    path = tmp_path / "tiny"
    path.write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(IdxFormatError, match="header is truncated"):
        read_idx(path)
    path.write_bytes(b"\x00\x00")
    with pytest.raises(IdxFormatError, match="too short"):
        read_idx(path)


def test_truncated_gzip_stream_is_refused(tmp_path, images):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(images))[:-20])
    with pytest.raises(IdxFormatError, match="gzip data is truncated or corrupt") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_image_and_label_counts_must_agree(images):
    labels = np.zeros(4, dtype=np.uint8)
    with pytest.raises(IdxFormatError, match="has 5 images but lab.gz has 4 labels"):
        check_pair(images, labels, "img.gz", "lab.gz", "load_mnist")


def test_images_and_labels_must_have_mnist_shapes(images):
    with pytest.raises(IdxFormatError, match=r"expected images of shape \(N, 28, 28\)"):
        check_images(images[:, :, :27], "f", "load_mnist")
    with pytest.raises(IdxFormatError, match=r"expected labels of shape \(N,\)"):
        check_labels(images, "f", "load_mnist")
    with pytest.raises(IdxFormatError, match=r"expected labels in 0\.\.9, found 12"):
        check_labels(np.array([1, 12], dtype=np.uint8), "f", "load_mnist")


def test_parse_idx_does_not_copy_uint8(images):
    data = idx_bytes(images)
    arr = parse_idx(data)
    assert not arr.flags.writeable  # a view on the bytes; loaders copy when converting
    np.testing.assert_array_equal(arr, images)
