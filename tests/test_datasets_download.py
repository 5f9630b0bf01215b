"""Downloads against a real HTTP server on 127.0.0.1, started and stopped by each test.

Mirror behaviours: 404, a hang past the client's timeout, a corrupt file, a
body cut short, a good file. Nothing here reaches beyond this machine.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from cnnlab.datasets import DownloadError, download, download_dataset, download_file, write_idx
from cnnlab.datasets.registry import MNIST, FileSpec

TIMEOUT = 0.3  # seconds; the hanging mirror waits far longer than this


class LocalMirrors:
    """A threaded HTTP server; ``routes[path] = bytes | "404" | "hang" | ("short", bytes)``."""

    def __init__(self):
        self.routes: dict = {}
        self.hits: list[str] = []
        self.release = threading.Event()
        mirrors = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                mirrors.hits.append(self.path)
                action = mirrors.routes.get(self.path, "404")
                if action == "hang":
                    mirrors.release.wait(10)  # until the test ends; the client gives up first
                    return
                if action == "404":
                    self.send_error(404, "Not Found")
                    return
                if isinstance(action, tuple):  # ("short", body): promise more than is sent
                    body = action[1]
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body) + 1000))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(action)))
                self.end_headers()
                self.wfile.write(action)

            def log_message(self, *args):  # keep test output clean
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):  # client hung up: expected
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def mirrors():
    with LocalMirrors() as m:
        yield m


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CNNLAB_MNIST_DIR", raising=False)
    monkeypatch.delenv("CNNLAB_FASHION_MNIST_DIR", raising=False)


def make_good_file(tmp_path):
    """A small gzip IDX file and its (md5 of .gz, sha256 of content)."""
    images = np.random.default_rng(1).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    path = write_idx(tmp_path / "good.gz", images)
    raw = path.read_bytes()
    return raw, hashlib.md5(raw).hexdigest(), hashlib.sha256(gzip.decompress(raw)).hexdigest()


def corrupt(raw: bytes) -> bytes:
    """Same length, one byte of the compressed data flipped."""
    data = bytearray(raw)
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") or "part" in p.name)


@pytest.mark.parametrize("first", ["404", "hang"])
def test_bad_mirrors_are_skipped_until_a_verified_copy(tmp_path, mirrors, first):
    raw, md5, sha = make_good_file(tmp_path)
    mirrors.routes = {"/a/f.gz": first, "/b/f.gz": corrupt(raw), "/c/f.gz": raw}
    urls = [f"{mirrors.base}/{m}/f.gz" for m in "abc"]
    dest = tmp_path / "out" / "f.gz"
    t0 = time.monotonic()
    got = download_file(urls, dest, md5=md5, sha256=sha, timeout=TIMEOUT, progress=False)
    assert time.monotonic() - t0 < 5
    assert got == dest and dest.read_bytes() == raw
    assert mirrors.hits == ["/a/f.gz", "/b/f.gz", "/c/f.gz"]
    assert leftovers(dest.parent) == []


def test_every_mirror_failing_raises_a_clear_error_and_leaves_nothing(tmp_path, mirrors):
    raw, md5, sha = make_good_file(tmp_path)
    mirrors.routes = {"/a/f.gz": "404", "/b/f.gz": corrupt(raw), "/c/f.gz": "hang",
                      "/d/f.gz": ("short", raw)}
    urls = [f"{mirrors.base}/{m}/f.gz" for m in "abcd"]
    dest = tmp_path / "out" / "f.gz"
    with pytest.raises(DownloadError) as info:
        download_file(urls, dest, md5=md5, sha256=sha, timeout=TIMEOUT, progress=False,
                      help_text="To work offline, put f.gz in /somewhere")
    msg = str(info.value)
    assert msg.startswith("download_file: could not download f.gz; every mirror failed")
    lines = msg.splitlines()
    assert any(urls[0] in ln and "HTTP 404" in ln for ln in lines)
    assert any(urls[1] in ln and "corrupt download, discarded" in ln for ln in lines)
    assert any(urls[2] in ln and f"{TIMEOUT:g} s" in ln for ln in lines)
    assert any(urls[3] in ln and "connection closed after" in ln for ln in lines)
    assert msg.endswith("To work offline, put f.gz in /somewhere")
    assert not dest.exists() and leftovers(dest.parent) == []


def test_published_md5_is_required_even_when_content_matches(tmp_path, mirrors):
    raw, md5, sha = make_good_file(tmp_path)
    recompressed = gzip.compress(gzip.decompress(raw), mtime=12345)  # same content, other bytes
    assert recompressed != raw
    mirrors.routes = {"/a/f.gz": recompressed, "/b/f.gz": raw}
    dest = tmp_path / "f.gz"
    download_file([f"{mirrors.base}/a/f.gz", f"{mirrors.base}/b/f.gz"], dest, md5=md5,
                  sha256=sha, timeout=TIMEOUT, progress=False)
    assert dest.read_bytes() == raw


def test_a_failed_download_never_replaces_an_existing_file(tmp_path, mirrors):
    raw, md5, sha = make_good_file(tmp_path)
    dest = tmp_path / "f.gz"
    dest.write_bytes(b"old content")
    mirrors.routes = {"/a/f.gz": corrupt(raw)}
    with pytest.raises(DownloadError):
        download_file([f"{mirrors.base}/a/f.gz"], dest, md5=md5, timeout=TIMEOUT, progress=False)
    assert dest.read_bytes() == b"old content"
    assert leftovers(tmp_path) == []


def test_an_interrupted_download_leaves_no_temporary_file(tmp_path, monkeypatch):
    def interrupted(url, fh, *args):
        fh.write(b"partial data")
        raise KeyboardInterrupt

    monkeypatch.setattr(download, "_fetch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        download_file(["http://127.0.0.1:9/f.gz"], tmp_path / "f.gz", md5="0" * 32,
                      progress=False)
    assert list(tmp_path.iterdir()) == []


def test_download_file_refuses_to_download_unverified(tmp_path):
    with pytest.raises(ValueError, match=r"^download_file: give md5= and/or sha256="):
        download_file(["http://127.0.0.1:9/f.gz"], tmp_path / "f.gz")
    with pytest.raises(ValueError, match=r"^download_file: expected timeout > 0"):
        download_file(["http://127.0.0.1:9/f.gz"], tmp_path / "f.gz", md5="0" * 32, timeout=0)


def fake_spec(tmp_path):
    """An MNIST-shaped spec over 4 tiny files (12 train, 6 test), and their bytes by name."""
    rng = np.random.default_rng(2)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 12, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 6, dtype=np.uint8),
    }
    blobs, files = {}, []
    src = tmp_path / "src"
    src.mkdir()
    for f in MNIST.files:
        raw = write_idx(src / f.filename, arrays[f.filename]).read_bytes()
        blobs[f.filename] = raw
        files.append(FileSpec(f.filename, f.split, f.kind, len(arrays[f.filename]), len(raw),
                              hashlib.md5(raw).hexdigest(),
                              hashlib.sha256(gzip.decompress(raw)).hexdigest()))
    return dataclasses.replace(MNIST, files=tuple(files), mirrors=()), blobs


def test_download_dataset_fetches_four_verified_files_then_skips_them(tmp_path, mirrors):
    spec, blobs = fake_spec(tmp_path)
    mirrors.routes = {f"/good/{name}": raw for name, raw in blobs.items()}
    dest = tmp_path / "dl"
    bases = [f"{mirrors.base}/missing", f"{mirrors.base}/good"]
    assert download_dataset(spec, dest, mirrors=bases, timeout=TIMEOUT, progress=False) == dest
    assert sorted(p.name for p in dest.iterdir()) == sorted(blobs)
    for name, raw in blobs.items():
        assert (dest / name).read_bytes() == raw
    n_hits = len(mirrors.hits)
    download_dataset(spec, dest, mirrors=bases, timeout=TIMEOUT, progress=False)
    assert len(mirrors.hits) == n_hits  # all four verified on disk: nothing fetched again


def test_download_dataset_fails_fast_and_removes_the_folder_it_created(tmp_path, mirrors):
    spec, _ = fake_spec(tmp_path)
    dest = tmp_path / "dl"
    with pytest.raises(DownloadError) as info:
        download_dataset(spec, dest, mirrors=[f"{mirrors.base}/nothing"], timeout=TIMEOUT,
                         progress=False)
    assert len(mirrors.hits) == 1  # stopped at the first file no mirror had
    msg = str(info.value)
    assert "CNNLAB_MNIST_DIR" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert not dest.exists()
