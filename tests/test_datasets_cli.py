"""python -m cnnlab.datasets info / download: what it prints and its exit status."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.datasets.__main__ import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CNNLAB_MNIST_DIR", raising=False)
    monkeypatch.delenv("CNNLAB_FASHION_MNIST_DIR", raising=False)
    monkeypatch.delenv("CNNLAB_OFFLINE", raising=False)


def test_info_lists_every_place_in_order(tmp_path, capsys):
    assert main(["info", "mnist"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"cache root: {tmp_path / 'cache'}  (set CNNLAB_CACHE_DIR to move it)"
    assert "mnist: MNIST handwritten digits  (licence CC BY-SA 3.0;" in out
    order = ["1. data_dir (--data-dir): not set", "2. CNNLAB_MNIST_DIR: not set",
             f"3. project cache: {tmp_path / 'cache' / 'mnist'} (no such folder)",
             "4. download from: https://ossci-datasets.s3.amazonaws.com/mnist/"]
    positions = [out.index(s) for s in order]
    assert positions == sorted(positions)
    assert "-> no complete copy: a loader would download, and if that fails use the embedded" in out
    assert "embedded MNIST sample:" in out and "(4000 train + 1000 test, verified;" in out
    assert "fashion-mnist" not in out


def test_info_reports_a_bad_file_where_it_was_found(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte.gz"]
    for name in names:
        (folder / name).write_bytes(b"not the real thing")
    monkeypatch.setenv("CNNLAB_MNIST_DIR", str(folder))
    assert main(["info", "mnist"]) == 0
    out = capsys.readouterr().out
    assert f"2. CNNLAB_MNIST_DIR: {folder} (all 4 files present)" in out
    assert "t10k-images-idx3-ubyte: SHA-256 MISMATCH" in out
    assert f"-> loads from CNNLAB_MNIST_DIR: {folder} (DOES NOT VERIFY" in out


def test_info_rejects_an_unknown_dataset(capsys):
    with pytest.raises(SystemExit) as info:
        main(["info", "cifar"])
    assert info.value.code == 2
    assert "unknown dataset 'cifar'" in capsys.readouterr().err


def closed_port() -> int:
    """A loopback port with nothing listening: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_failure_exits_1_with_offline_instructions(tmp_path, capsys):
    base = f"http://127.0.0.1:{closed_port()}/mnist/"
    code = main(["download", "mnist", "--mirror", base, "--timeout", "2",
                 "--no-progress", "--data-dir", str(tmp_path / "dl")])
    assert code == 1
    err = capsys.readouterr().err
    assert "mnist: download failed." in err
    assert f"{base}train-images-idx3-ubyte.gz: cannot connect" in err
    assert "To work offline, get these four files" in err and "CNNLAB_MNIST_DIR" in err
    assert not (tmp_path / "dl").exists()


@pytest.mark.processes
def test_module_runs_as_a_program(tmp_path):
    env = dict(os.environ, CNNLAB_CACHE_DIR=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("CNNLAB_MNIST_DIR", None)
    done = subprocess.run([sys.executable, "-m", "cnnlab.datasets", "info", "mnist"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "mnist: MNIST handwritten digits" in done.stdout
    usage = subprocess.run([sys.executable, "-m", "cnnlab.datasets"], capture_output=True,
                           text=True, env=env, timeout=60)
    assert usage.returncode == 2 and "usage: python -m cnnlab.datasets" in usage.stderr
