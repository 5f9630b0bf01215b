"""The real datasets, where this machine has them; skipped with a reason otherwise.

* MNIST: wherever the package itself finds it (``CNNLAB_MNIST_DIR``, then the
  project cache ``data/mnist/``, where ``python -m cnnlab.datasets download
  mnist`` puts it; CI sets the variable).
* Fashion-MNIST: Debian's ``dataset-fashion-mnist`` package
  (``/usr/share/datasets/fashion-mnist``), which .ci/run installs.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from cnnlab.datasets import load_fashion_mnist, load_mnist, loaders
from cnnlab.datasets.__main__ import main
from cnnlab.datasets.registry import FASHION_MNIST, MNIST
from cnnlab.datasets.sources import locate

ROOT = Path(__file__).resolve().parents[1]


def _where_the_package_finds(spec) -> Path | None:
    return next((loc.folder for loc in locate(spec) if loc.complete), None)


# Read before any fixture clears the variables.
MNIST_DIR = _where_the_package_finds(MNIST) or Path(os.environ.get("CNNLAB_MNIST_DIR") or "data/mnist")
DEBIAN_DIR = Path(FASHION_MNIST.system_dirs[0])


def has_all(folder: Path, spec) -> bool:
    return all(any((folder / n).is_file() for n in f.accepted_names) for f in spec.files)


needs_mnist = pytest.mark.skipif(
    not has_all(MNIST_DIR, MNIST),
    reason="full MNIST not found where cnnlab looks for it (CNNLAB_MNIST_DIR, then the project "
           "cache data/mnist/): `python -m cnnlab.datasets download mnist` fetches and verifies it")
needs_fashion = pytest.mark.skipif(
    not has_all(DEBIAN_DIR, FASHION_MNIST),
    reason=f"Fashion-MNIST not found in {DEBIAN_DIR} (apt-get install dataset-fashion-mnist)")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    monkeypatch.delenv("CNNLAB_MNIST_DIR", raising=False)
    monkeypatch.delenv("CNNLAB_FASHION_MNIST_DIR", raising=False)
    monkeypatch.setattr(loaders, "_warned", set())


@needs_mnist
def test_full_mnist_through_the_environment_variable(monkeypatch):
    monkeypatch.setenv("CNNLAB_MNIST_DIR", str(MNIST_DIR))
    data = load_mnist(source="full")
    assert data.source == "full" and data.location == str(MNIST_DIR)
    assert data.x_train.shape == (60000, 1, 28, 28) and data.x_train.dtype == np.float32
    assert data.x_test.shape == (10000, 1, 28, 28) and data.x_test.dtype == np.float32
    assert data.y_train.shape == (60000,) and data.y_train.dtype == np.int64
    assert data.y_test.shape == (10000,) and data.y_test.dtype == np.int64
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert data.x_test.min() == 0.0 and data.x_test.max() == 1.0
    assert np.bincount(data.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918,
                                                  6265, 5851, 5949]
    assert np.bincount(data.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028,
                                                 974, 1009]
    assert data.y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


@needs_mnist
def test_full_mnist_class_subset_validation_and_standardisation():
    data = load_mnist(MNIST_DIR, source="full", classes=[0, 1], val_size=1000,
                      rng=np.random.default_rng(0), n_test=500, subset="stratified",
                      standardize=True)
    assert data.x_train.shape == (5923 + 6742 - 1000, 1, 28, 28)
    assert np.bincount(data.y_test).tolist() == [250, 250]
    assert abs(float(data.x_train.mean())) < 1e-4


@needs_mnist
def test_cli_download_from_a_local_mirror_verifies_real_files(tmp_path, monkeypatch):
    monkeypatch.delenv("CNNLAB_OFFLINE")  # offline mode would refuse to download at all
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(MNIST_DIR))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        dest = tmp_path / "dl"
        code = main(["download", "mnist", "--data-dir", str(dest), "--no-progress",
                     "--timeout", "10", "--mirror", f"{base}/no-such-folder/", "--mirror", base])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert code == 0
    for f in MNIST.files:
        assert hashlib.md5((dest / f.filename).read_bytes()).hexdigest() == f.md5
    assert sorted(p.name for p in dest.iterdir()) == sorted(f.filename for f in MNIST.files)


@needs_fashion
def test_fashion_mnist_from_the_debian_package():
    data = load_fashion_mnist(source="full")
    assert data.location == str(DEBIAN_DIR) and data.name == "fashion-mnist"
    assert data.x_train.shape == (60000, 1, 28, 28) and data.x_test.shape == (10000, 1, 28, 28)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert 0.0 <= data.x_train.min() and data.x_train.max() == 1.0
    assert np.bincount(data.y_train).tolist() == [6000] * 10
    assert np.bincount(data.y_test).tolist() == [1000] * 10
    assert data.class_names[9] == "Ankle boot"
