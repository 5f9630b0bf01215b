"""Downloads and data that fail on purpose (issue 17): a download killed mid-file, offline mode
with a mirror, a --data-dir that does not hold the data, the sample-fallback warning on the
command line, and the mode of every file written."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from cnnlab import cli
from cnnlab._io import atomic_writer
from cnnlab.datasets import (
    DatasetNotFoundError,
    DownloadError,
    download_dataset,
    download_file,
    load_mnist,
    loaders,
    write_idx,
)
from cnnlab.datasets.__main__ import main as datasets_main
from cnnlab.datasets.registry import MNIST
from cnnlab.sweep.cli import main as sweep_main
from conftest import isolate_datasets

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    isolate_datasets(monkeypatch, tmp_path / "cache", offline=True)
    monkeypatch.setattr(loaders, "_warned", set())


class Mirror:
    """An HTTP server on 127.0.0.1: ``routes[path] = bytes`` or ``("stall", bytes)``
    (half the bytes, then silence until the test ends); every request is logged in ``hits``."""

    def __init__(self):
        self.routes, self.hits, self.release = {}, [], threading.Event()
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                mirror.hits.append(self.path)
                body = mirror.routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                stall = isinstance(body, tuple)
                body = body[1] if stall else body
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if stall else body)
                self.wfile.flush()
                if stall:
                    mirror.release.wait(30)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mirror():
    m = Mirror()
    yield m
    m.close()


def gz_file(tmp_path, n=300, seed=1):
    """A gzip IDX file of ``n`` random images, its bytes, MD5 and content SHA-256."""
    images = np.random.default_rng(seed).integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    raw = write_idx(tmp_path / f"src-{seed}.gz", images).read_bytes()
    return raw, hashlib.md5(raw).hexdigest(), hashlib.sha256(gzip.decompress(raw)).hexdigest()


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- a download killed mid-file ------------------------------------------------------------------

@pytest.mark.processes
def test_a_download_killed_by_sigkill_leaves_a_part_file_that_the_next_download_removes(
        tmp_path, mirror, monkeypatch):
    monkeypatch.delenv("CNNLAB_OFFLINE")
    raw, md5, sha = gz_file(tmp_path)
    mirror.routes = {"/stall/f.gz": ("stall", raw), "/good/f.gz": raw}
    dest = tmp_path / "dl" / "f.gz"
    code = (f"from cnnlab.datasets import download_file\n"
            f"download_file([{mirror.base + 'stall/f.gz'!r}], {str(dest)!r}, md5={md5!r}, "
            f"progress=False, timeout=60)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env.pop("CNNLAB_OFFLINE", None)
    writer = subprocess.Popen([sys.executable, "-c", code], env=env)
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in dest.parent.glob(".f.gz.*.part")):
            assert time.monotonic() < deadline and writer.poll() is None, "no partial file appeared"
            time.sleep(0.05)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert len(hidden(dest.parent)) == 1, "the killed download left its partial file"
    download_file([mirror.base + "good/f.gz"], dest, md5=md5, sha256=sha, progress=False)
    assert dest.read_bytes() == raw
    assert hidden(dest.parent) == [], "the next download removes the dead writer's partial file"


def test_the_partial_file_of_a_download_still_running_is_never_removed(tmp_path, mirror, monkeypatch):
    monkeypatch.delenv("CNNLAB_OFFLINE")
    raw, md5, sha = gz_file(tmp_path)
    mirror.routes = {"/good/f.gz": raw}
    dest = tmp_path / "f.gz"
    with atomic_writer(dest, suffix=".part") as live:  # a download under way, as in another process
        live.write(b"the first bytes")
        live.flush()
        download_file([mirror.base + "good/f.gz"], dest, md5=md5, sha256=sha, progress=False)
        assert Path(live.name).read_bytes() == b"the first bytes", "a live writer's file is kept"
        live.write(raw[15:])
    assert dest.read_bytes() == b"the first bytes" + raw[15:] and hidden(tmp_path) == []


# -- offline mode never touches the network ------------------------------------------------------

def test_offline_download_with_a_mirror_is_refused_in_one_line_without_a_request(
        tmp_path, mirror, capsys):
    with pytest.raises(SystemExit) as info:
        datasets_main(["download", "mnist", "--mirror", mirror.base, "--no-progress",
                       "--data-dir", str(tmp_path / "dl")])
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"python -m cnnlab.datasets download: error: CNNLAB_OFFLINE is set, so "
                            f"nothing is downloaded (mnist needs train-images-idx3-ubyte.gz, "
                            f"train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                            f"t10k-labels-idx1-ubyte.gz in {tmp_path / 'dl'}); unset "
                            f"CNNLAB_OFFLINE to download\n")
    assert mirror.hits == [] and not (tmp_path / "dl").exists()


def test_offline_mode_stops_the_download_functions_before_any_request(tmp_path, mirror):
    raw, md5, _ = gz_file(tmp_path)
    mirror.routes = {"/f.gz": raw}
    with pytest.raises(DownloadError, match=r"^download_file: CNNLAB_OFFLINE is set, so f\.gz is "
                                            r"not downloaded from any mirror") as info:
        download_file([mirror.base + "f.gz"], tmp_path / "f.gz", md5=md5, progress=False)
    assert type(info.value).__name__ == "OfflineError"
    with pytest.raises(DownloadError, match=r"^download_dataset: CNNLAB_OFFLINE is set, so nothing "
                                            r"is downloaded \(mnist needs train-images-idx3-ubyte.gz, "):
        download_dataset("mnist", tmp_path / "dl", mirrors=[mirror.base], progress=False)
    assert mirror.hits == [] and not (tmp_path / "f.gz").exists()


# -- a folder named explicitly is used or refused ------------------------------------------------

def fake_mnist(folder: Path, monkeypatch) -> None:
    """Four tiny MNIST-format files in ``folder``, and load_mnist told their checksums."""
    rng = np.random.default_rng(0)
    shapes = {"images": (12, 28, 28), "labels": (12,)}
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for f in MNIST.files:
        high = 256 if f.kind == "images" else 10
        raw = write_idx(folder / f.filename, rng.integers(0, high, shapes[f.kind], dtype=np.uint8)).read_bytes()
        files.append(dataclasses.replace(f, count=12, size=len(raw), md5=hashlib.md5(raw).hexdigest(),
                                         sha256=hashlib.sha256(gzip.decompress(raw)).hexdigest()))
    monkeypatch.setattr(loaders, "MNIST", dataclasses.replace(MNIST, files=tuple(files)))


def test_a_data_dir_that_does_not_exist_is_refused_not_replaced_by_the_sample(tmp_path):
    missing = tmp_path / "no" / "such"
    for source in ("auto", "full"):
        with pytest.raises(DatasetNotFoundError) as info:
            load_mnist(missing, source=source)
        assert str(info.value) == (f"load_mnist: data_dir {missing} does not exist; expected a folder "
                                   f"holding the four MNIST files: train-images-idx3-ubyte.gz, "
                                   f"train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
                                   f"t10k-labels-idx1-ubyte.gz (or the same files uncompressed)")
    assert not missing.exists()
    with pytest.raises(ValueError, match=r"^load_mnist: data_dir applies to the full dataset, not "
                                         r"to source='sample'"):
        load_mnist(tmp_path, source="sample")


def test_a_data_dir_lacking_a_file_is_refused_not_replaced_by_the_environment_variable(
        tmp_path, monkeypatch):
    fake_mnist(tmp_path / "env", monkeypatch)
    monkeypatch.setenv("CNNLAB_MNIST_DIR", str(tmp_path / "env"))
    fake_mnist(tmp_path / "mine", monkeypatch)
    (tmp_path / "mine" / "t10k-labels-idx1-ubyte.gz").unlink()
    assert load_mnist(source="full").location == str(tmp_path / "env")
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(tmp_path / "mine")
    assert str(info.value) == (f"load_mnist: data_dir {tmp_path / 'mine'} lacks "
                               f"t10k-labels-idx1-ubyte.gz (or the same file uncompressed); not "
                               f"downloaded into it (CNNLAB_OFFLINE is set)")


def test_a_data_dir_lacking_files_gets_them_downloaded_into_it_or_an_error(tmp_path, monkeypatch):
    fake_mnist(tmp_path / "mine", monkeypatch)
    (tmp_path / "mine" / "t10k-labels-idx1-ubyte.gz").rename(tmp_path / "kept.gz")
    monkeypatch.delenv("CNNLAB_OFFLINE")
    calls = []

    def download(spec, target):
        calls.append(Path(target))
        (tmp_path / "kept.gz").rename(Path(target) / "t10k-labels-idx1-ubyte.gz")
        return Path(target)

    monkeypatch.setattr(loaders, "download_dataset", download)
    assert load_mnist(tmp_path / "mine").location == str(tmp_path / "mine")
    assert calls == [tmp_path / "mine"]
    (tmp_path / "mine" / "train-images-idx3-ubyte.gz").unlink()
    monkeypatch.setattr(loaders, "download_dataset", failing_download)
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(tmp_path / "mine")  # source 'auto': still no sample
    assert str(info.value).startswith(f"load_mnist: data_dir {tmp_path / 'mine'} lacks "
                                      f"train-images-idx3-ubyte.gz (or the same file uncompressed); "
                                      f"downloading it into that folder failed:\ndownload_file: ")


def failing_download(spec, target):
    from cnnlab.datasets import DownloadError
    raise DownloadError("download_file: could not download train-images-idx3-ubyte.gz; every "
                        "mirror failed:\n  http://127.0.0.1:9/: cannot connect")


TRAIN = ["train", "--model", "mlp", "--epochs", "1", "--n-train", "60", "--n-test", "20",
         "--batch-size", "20", "--no-progress"]


@pytest.mark.parametrize("main, argv, prog", [
    (cli.main, TRAIN + ["--dataset", "mnist"], "python -m cnnlab train"),
    (sweep_main, ["--model", "mlp", "--epochs", "1", "--n-train", "60", "--folds", "2",
                  "--no-progress", "--dataset", "mnist"], "python -m cnnlab.sweep"),
])
def test_the_command_lines_refuse_a_data_dir_without_the_data_in_one_line(tmp_path, capsys, main,
                                                                          argv, prog):
    missing = tmp_path / "nope"
    with pytest.raises(SystemExit) as info:
        main(argv + ["--data-dir", str(missing), "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    assert capsys.readouterr().err == (f"{prog}: error: --data-dir {missing} does not exist; "
                                       f"expected a folder holding the four MNIST files: "
                                       f"train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                                       f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (or "
                                       f"the same files uncompressed)\n")
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as info:
        main(argv[:-2] + ["--dataset", "mnist-sample", "--data-dir", str(tmp_path),
                          "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    assert "--data-dir applies to --dataset mnist and fashion-mnist, not mnist-sample" in \
        capsys.readouterr().err


# -- the sample fallback, said to a command-line user --------------------------------------------

def test_the_sample_fallback_is_one_plain_line_with_command_line_advice(tmp_path, capsys):
    assert cli.main(TRAIN + ["--dataset", "mnist", "--out", str(tmp_path / "run")]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("python -m cnnlab train: warning: full MNIST is in none of the folders "
                          "searched and was not downloaded (CNNLAB_OFFLINE is set)")
    assert "--dataset mnist-sample" in err and "--data-dir" in err
    assert "source=" not in err and "Warning" not in err and ".py:" not in err


def test_the_sample_fallback_from_python_keeps_its_python_advice():
    with pytest.warns(Warning) as record:
        load_mnist()
    [warning] = record
    assert "source='sample'" in str(warning.message) and "--dataset" not in str(warning.message)


# -- every file follows the umask ----------------------------------------------------------------

@pytest.fixture(params=[0o022, 0o002], ids=["umask022", "umask002"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def modes(folder: Path) -> dict:
    """Every file and folder below ``folder`` (but ``folder``), by path: its permission bits."""
    return {str(p.relative_to(folder)): p.stat().st_mode & 0o777 for p in sorted(folder.rglob("*"))}


def test_run_folders_downloads_and_idx_files_follow_the_umask(tmp_path, umask, mirror, monkeypatch):
    monkeypatch.delenv("CNNLAB_OFFLINE")
    raw, md5, sha = gz_file(tmp_path)
    mirror.routes = {"/f.gz": raw}
    out = tmp_path / "out"
    download_file([mirror.base + "f.gz"], out / "downloads" / "f.gz", md5=md5, sha256=sha,
                  progress=False)
    write_idx(out / "labels.idx1-ubyte", np.arange(10, dtype=np.uint8))
    assert cli.main(TRAIN + ["--dataset", "mnist-sample", "--out", str(out / "run")]) == 0
    found = modes(out)
    assert {"downloads/f.gz", "labels.idx1-ubyte", "run/checkpoint.npz", "run/config.json",
            "run/history.csv", "run/results.json", "run/curves.png"} <= set(found)
    files = {0o666 & ~umask}
    assert {mode for path, mode in found.items() if (out / path).is_file()} == files, found
    assert {mode for path, mode in found.items() if (out / path).is_dir()} == {0o777 & ~umask}, found


@pytest.mark.processes
def test_sweep_outputs_follow_the_umask(tmp_path, umask):
    from cnnlab.sweep import Sweep
    data = load_mnist(source="sample", n_train=100, n_test=50)
    out = tmp_path / "sweep"
    Sweep(data, {"lr": [0.05]}, base={"model": "mlp", "epochs": 1}, n_folds=2, out=out).run(
        n_jobs=1, progress=False)
    found = modes(out)
    assert set(found) == {"sweep.json", "results.csv", "summary.csv", "best.json"}
    assert set(found.values()) == {0o666 & ~umask}, found
