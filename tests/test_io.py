"""The one atomic write: a whole new file or the old one, never a part, and nothing left behind."""

import os
from pathlib import Path

import pytest

from cnnlab._io import atomic_write, atomic_writer


def test_a_write_replaces_the_file_whole(tmp_path):
    path = tmp_path / "a.txt"
    atomic_write(path, "old")
    atomic_write(path, b"new")
    assert path.read_bytes() == b"new" and os.listdir(tmp_path) == ["a.txt"]
    assert path.stat().st_mode & 0o777 == 0o666 & ~_umask(), "the mode of any new file, not 0o600"


def test_a_stream_goes_to_a_temporary_file_in_the_same_folder_until_the_end(tmp_path):
    path = tmp_path / "b.bin"
    atomic_write(path, b"old")
    with atomic_writer(path, suffix=".part") as f:
        f.write(b"new, in two ")
        f.write(b"pieces")
        f.flush()
        temporary = Path(f.name)
        assert temporary.parent == tmp_path and temporary.name.startswith(".b.bin.")
        assert temporary.name.endswith(".part") and temporary.read_bytes() == b"new, in two pieces"
        assert path.read_bytes() == b"old", "not yet"
    assert path.read_bytes() == b"new, in two pieces" and sorted(os.listdir(tmp_path)) == ["b.bin"]


def test_an_error_in_the_block_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "c.bin"
    atomic_write(path, b"old")
    with pytest.raises(ValueError, match="checksum"):
        with atomic_writer(path) as f:
            f.write(b"half")
            raise ValueError("checksum does not match")
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["c.bin"]
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer(tmp_path / "d.bin") as f:
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == ["c.bin"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
