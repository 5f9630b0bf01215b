"""load_mnist / load_fashion_mnist: sources, fallback, subsets, splits, scaling, arguments.

Everything here runs on the embedded sample or on tiny IDX files written in
tmp_path, so it needs no network and no copy of MNIST.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import warnings

import numpy as np
import pytest

from cnnlab.datasets import (
    ChecksumError,
    DatasetNotFoundError,
    IdxFormatError,
    SampleFallbackWarning,
    cache_root,
    load_fashion_mnist,
    load_mnist,
    loaders,
    select_classes,
    stratified_subset,
    train_val_split,
    write_idx,
)
from cnnlab.datasets.errors import DownloadError
from cnnlab.datasets.registry import FASHION_MNIST, MNIST, FileSpec
from cnnlab.datasets.sample import load_sample_arrays


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No real data, no network, a fresh warn-once state, and a cache in tmp_path."""
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CNNLAB_OFFLINE", "1")
    monkeypatch.delenv("CNNLAB_MNIST_DIR", raising=False)
    monkeypatch.delenv("CNNLAB_FASHION_MNIST_DIR", raising=False)
    monkeypatch.setattr(loaders, "_warned", set())
    monkeypatch.setattr(loaders, "FASHION_MNIST",
                        dataclasses.replace(FASHION_MNIST, system_dirs=()))


def sample(**kwargs):
    kwargs.setdefault("source", "sample")
    return load_mnist(**kwargs)


# --- the embedded sample and the fallback -------------------------------------------------

def test_sample_shapes_dtypes_range_and_balance():
    data = sample()
    assert data.source == "sample" and data.name == "mnist"
    assert data.x_train.shape == (4000, 1, 28, 28) and data.x_train.dtype == np.float32
    assert data.x_test.shape == (1000, 1, 28, 28) and data.x_test.dtype == np.float32
    assert data.y_train.shape == (4000,) and data.y_train.dtype == np.int64
    assert data.x_val is None and data.y_val is None
    assert data.x_train.min() == 0.0 and data.x_train.max() == 1.0
    assert np.bincount(data.y_train).tolist() == [400] * 10
    assert np.bincount(data.y_test).tolist() == [100] * 10
    assert data.class_names == tuple("0123456789") and data.num_classes == 10
    assert data.location.endswith("mnist_sample.npz")
    (x, y), (xt, yt) = data.train, data.test
    assert x is data.x_train and y is data.y_train
    assert xt is data.x_test and yt is data.y_test


def test_sample_pixels_are_integers_over_255():
    raw = load_sample_arrays()
    data = sample(dtype=np.float64)
    np.testing.assert_array_equal(data.x_train[:, 0], raw["x_train"] / 255.0)
    u8 = sample(dtype=np.uint8)
    assert u8.x_train.dtype == np.uint8 and u8.x_train.max() == 255
    np.testing.assert_array_equal(u8.x_train[:, 0], raw["x_train"])


def test_auto_falls_back_to_the_sample_with_one_plain_warning():
    with pytest.warns(SampleFallbackWarning) as record:
        data = load_mnist(download=False)
    assert data.source == "sample" and data.x_train.shape == (4000, 1, 28, 28)
    assert len(record) == 1
    msg = str(record[0].message)
    assert msg.startswith("load_mnist: full MNIST is in none of the folders searched")
    assert "download=False" in msg and "CNNLAB_MNIST_DIR" in msg
    assert "python -m cnnlab.datasets download mnist" in msg
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second call must not warn again
        assert load_mnist(download=False).source == "sample"


def test_explicit_sample_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sample()


def test_full_only_fails_with_the_offline_instructions(tmp_path):
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(source="full")
    msg = str(info.value)
    assert msg.startswith("load_mnist: the full MNIST handwritten digits dataset was not found")
    for needle in ["CNNLAB_MNIST_DIR", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
                   str(tmp_path / "cache" / "mnist"), "CNNLAB_OFFLINE is set"]:
        assert needle in msg


def test_failed_download_falls_back_and_offline_env_skips_the_download(monkeypatch):
    calls = []

    def failing_download(spec, target):
        calls.append(target)
        raise DownloadError("download_file: could not download ...")

    monkeypatch.setattr(loaders, "download_dataset", failing_download)
    with pytest.warns(SampleFallbackWarning, match="CNNLAB_OFFLINE is set"):
        load_mnist()  # CNNLAB_OFFLINE=1 from the fixture: no attempt
    assert calls == []
    monkeypatch.delenv("CNNLAB_OFFLINE")
    monkeypatch.setattr(loaders, "_warned", set())
    with pytest.warns(SampleFallbackWarning, match="the download failed"):
        assert load_mnist().source == "sample"
    assert len(calls) == 1
    with pytest.raises(DatasetNotFoundError, match="could not download"):
        load_mnist(source="full")


def test_fashion_has_no_sample():
    with pytest.raises(ValueError, match="^load_fashion_mnist: there is no embedded"):
        load_fashion_mnist(source="sample")
    with pytest.raises(DatasetNotFoundError) as info:
        load_fashion_mnist(download=False)  # 'auto' cannot fall back
    assert "CNNLAB_FASHION_MNIST_DIR" in str(info.value)


def test_results_are_fresh_arrays_each_call():
    a = sample(dtype=np.uint8)
    a.x_train[...] = 7
    b = sample(dtype=np.uint8)
    assert b.x_train.max() == 255
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.x_train = None


# --- class subsets, first-n and stratified subsets ----------------------------------------

def test_classes_keep_labels_or_relabel():
    data = sample(classes=[0, 1, 2])
    assert set(np.unique(data.y_train)) == {0, 1, 2} and set(np.unique(data.y_test)) == {0, 1, 2}
    assert data.x_train.shape[0] == 1200 and data.num_classes == 10
    re = sample(classes=[7, 3], relabel=True)
    assert re.class_names == ("7", "3")
    raw = sample(classes=[7, 3])
    np.testing.assert_array_equal(re.y_train, np.where(raw.y_train == 7, 0, 1))
    np.testing.assert_array_equal(re.x_train, raw.x_train)


@pytest.mark.parametrize("classes,message", [
    ([10], "load_mnist: expected classes to be integers in 0..9, got [10]"),
    ([0, -1, 2.0], "load_mnist: expected classes to be integers in 0..9, got [-1, 2.0]"),
    ([], "load_mnist: expected classes to name at least one class"),
    ([1, 1], "load_mnist: expected classes without repeats, got [1, 1]"),
])
def test_bad_classes_are_named(classes, message):
    with pytest.raises(ValueError) as info:
        sample(classes=classes)
    assert str(info.value).startswith(message)


def test_first_n_keeps_file_order():
    full = sample()
    part = sample(n_train=100, n_test=10)
    np.testing.assert_array_equal(part.x_train, full.x_train[:100])
    np.testing.assert_array_equal(part.y_test, full.y_test[:10])


def test_stratified_subset_is_balanced_and_seeded():
    data = sample(n_train=105, subset="stratified")
    assert np.bincount(data.y_train).tolist() == [11] * 5 + [10] * 5
    first = sample(n_train=50, subset="stratified")
    again = sample(n_train=50, subset="stratified")
    np.testing.assert_array_equal(first.x_train, again.x_train)
    r1 = sample(n_train=50, subset="stratified", rng=np.random.default_rng(1))
    r1b = sample(n_train=50, subset="stratified", rng=np.random.default_rng(1))
    r2 = sample(n_train=50, subset="stratified", rng=np.random.default_rng(2))
    np.testing.assert_array_equal(r1.x_train, r1b.x_train)
    assert not np.array_equal(r1.x_train, r2.x_train)
    assert np.bincount(r2.y_train).tolist() == [5] * 10


def test_subset_larger_than_available_is_refused():
    with pytest.raises(ValueError, match=r"^load_mnist: n_train=5000 is more than the 4000 "
                                         r"training examples available"):
        sample(n_train=5000)
    y = np.array([0] * 2 + [1] * 10)
    with pytest.raises(ValueError, match=r"^stratified_subset: a stratified subset of 8 "
                                         r"examples needs 4 of class 0, only 2 are available"):
        stratified_subset(np.zeros((12, 3)), y, 8)


# --- validation split -----------------------------------------------------------------------

def test_validation_split_is_deterministic_and_disjoint():
    a = sample(val_size=500, rng=np.random.default_rng(7))
    b = sample(val_size=500, rng=np.random.default_rng(7))
    c = sample(val_size=500, rng=np.random.default_rng(8))
    assert a.x_val.shape == (500, 1, 28, 28) and a.x_train.shape == (3500, 1, 28, 28)
    np.testing.assert_array_equal(a.x_val, b.x_val)
    np.testing.assert_array_equal(a.y_train, b.y_train)
    assert not np.array_equal(a.x_val, c.x_val)
    # disjoint and together the whole training set
    full = sample().x_train.reshape(4000, -1)
    keys = {r.tobytes(): i for i, r in enumerate(full)}
    train_ids = {keys[r.tobytes()] for r in a.x_train.reshape(3500, -1)}
    val_ids = {keys[r.tobytes()] for r in a.x_val.reshape(500, -1)}
    assert not train_ids & val_ids and len(train_ids | val_ids) == 4000


def test_validation_without_rng_is_the_last_examples_and_fraction_works():
    full = sample()
    d = sample(val_size=0.1)
    assert d.x_val.shape[0] == 400
    np.testing.assert_array_equal(d.x_val, full.x_train[-400:])
    np.testing.assert_array_equal(d.x_train, full.x_train[:-400])


def test_validation_is_carved_before_n_train():
    d = sample(val_size=1000, n_train=200, rng=np.random.default_rng(0))
    assert d.x_train.shape[0] == 200 and d.x_val.shape[0] == 1000


# --- standardisation --------------------------------------------------------------------

def test_standardize_uses_training_statistics_only():
    rng_args = dict(val_size=800, n_test=300)
    raw = sample(rng=np.random.default_rng(3), **rng_args)
    std = sample(rng=np.random.default_rng(3), standardize=True, **rng_args)
    mean, sd = raw.x_train.astype(np.float64).mean(), raw.x_train.astype(np.float64).std()
    assert std.mean == pytest.approx(mean, rel=1e-12) and std.std == pytest.approx(sd, rel=1e-12)
    assert abs(std.x_train.mean()) < 1e-5 and std.x_train.std() == pytest.approx(1.0, abs=1e-5)
    for split in ("x_val", "x_test"):
        np.testing.assert_allclose(getattr(std, split) * std.std + std.mean,
                                   getattr(raw, split), atol=1e-6)
    # the statistics do not depend on the validation or test data
    other_test = sample(rng=np.random.default_rng(3), standardize=True, val_size=800, n_test=50)
    assert other_test.mean == std.mean and other_test.std == std.std
    assert std.x_train.dtype == np.float32
    assert "mean=" in repr(std)


# --- argument errors ---------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,exc,start", [
    (dict(source="everything"), ValueError, "load_mnist: unknown source 'everything'; expected one of"),
    (dict(subset="random"), ValueError, "load_mnist: unknown subset 'random'; expected one of"),
    (dict(n_train=0), ValueError, "load_mnist: expected n_train >= 1, got 0"),
    (dict(n_test=True), TypeError, "load_mnist: expected n_test to be an int or None"),
    (dict(rng=42), TypeError, "load_mnist: expected rng to be a numpy.random.Generator"),
    (dict(dtype=np.int32), ValueError, "load_mnist: expected dtype np.float32, np.float64"),
    (dict(dtype=np.uint8, standardize=True), ValueError, "load_mnist: standardize=True needs"),
    (dict(relabel=True), ValueError, "load_mnist: relabel=True needs classes"),
    (dict(val_size=1.5), ValueError, "load_mnist: expected val_size as a fraction"),
    (dict(val_size="10%"), TypeError, "load_mnist: expected val_size to be a number"),
    (dict(val_size=4000), ValueError, "load_mnist: val_size=4000 leaves no training"),
    (dict(download="yes"), TypeError, "load_mnist: expected download to be True or False"),
    (dict(classes=3), TypeError, "load_mnist: expected classes to be a list"),
])
def test_bad_arguments_say_what_was_expected(kwargs, exc, start):
    with pytest.raises(exc) as info:
        sample(**kwargs)
    assert str(info.value).startswith(start)


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="load_mnist"):
        load_mnist(normalise=True)
    with pytest.raises(TypeError, match="^load_mnist: expected data_dir to be a folder path"):
        load_mnist(data_dir=3)


def test_helpers_do_not_mutate_their_inputs():
    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    y = np.repeat(np.arange(4), 5)
    x0, y0 = x.copy(), y.copy()
    select_classes(x, y, [1, 2], relabel=True)
    stratified_subset(x, y, 8, rng=np.random.default_rng(0))
    xt, yt, xv, yv = train_val_split(x, y, 5, rng=np.random.default_rng(0))
    assert xt.shape == (15, 2) and xv.shape == (5, 2)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(y, y0)


# --- where files are found ----------------------------------------------------------------

def make_fake_dataset(folder, n_train=12, n_test=6, seed=0, gz=True, names=None):
    """Four tiny MNIST-format files in ``folder``; returns FileSpecs matching them."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for f in MNIST.files:
        name = (names or {}).get(f.filename, f.filename if gz else f.stem)
        path = write_idx(folder / name, arrays[f.filename])
        raw = path.read_bytes()
        content = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        files.append(FileSpec(f.filename, f.split, f.kind, len(arrays[f.filename]), len(raw),
                              hashlib.md5(raw).hexdigest(), hashlib.sha256(content).hexdigest()))
    return tuple(files), arrays


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """Point load_mnist at a spec whose checksums are those of files made in the test."""
    def install(folder, **kwargs):
        files, arrays = make_fake_dataset(folder, **kwargs)
        monkeypatch.setattr(loaders, "MNIST", dataclasses.replace(MNIST, files=files))
        return arrays
    return install


def test_search_order_argument_env_cache(tmp_path, monkeypatch, fake_mnist):
    arrays = fake_mnist(tmp_path / "arg")
    for d in ("env", "cache/mnist"):
        make_fake_dataset(tmp_path / d)  # same seed: same bytes, so they verify too
    monkeypatch.setenv("CNNLAB_MNIST_DIR", str(tmp_path / "env"))
    assert load_mnist(tmp_path / "arg", source="full").location == str(tmp_path / "arg")
    assert load_mnist(source="full").location == str(tmp_path / "env")
    monkeypatch.delenv("CNNLAB_MNIST_DIR")
    data = load_mnist(source="full")
    assert data.location == str(tmp_path / "cache" / "mnist") and data.source == "full"
    np.testing.assert_array_equal(data.x_train[:, 0] * 255, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(data.y_test, arrays["t10k-labels-idx1-ubyte.gz"])


def test_incomplete_folder_is_skipped(tmp_path, monkeypatch, fake_mnist):
    fake_mnist(tmp_path / "cache" / "mnist")
    make_fake_dataset(tmp_path / "env")
    (tmp_path / "env" / "t10k-labels-idx1-ubyte.gz").unlink()
    monkeypatch.setenv("CNNLAB_MNIST_DIR", str(tmp_path / "env"))
    assert load_mnist(source="full").location == str(tmp_path / "cache" / "mnist")


def test_system_dir_comes_after_the_cache(tmp_path, monkeypatch):
    files, _ = make_fake_dataset(tmp_path / "usr-share")
    spec = dataclasses.replace(FASHION_MNIST, files=files,
                               system_dirs=(str(tmp_path / "usr-share"),))
    monkeypatch.setattr(loaders, "FASHION_MNIST", spec)
    assert load_fashion_mnist(source="full").location == str(tmp_path / "usr-share")
    make_fake_dataset(tmp_path / "cache" / "fashion-mnist")
    assert load_fashion_mnist(source="full").location == str(tmp_path / "cache" / "fashion-mnist")


def test_uncompressed_and_dotted_names_are_accepted(tmp_path, fake_mnist):
    fake_mnist(tmp_path / "plain", gz=False,
               names={"train-images-idx3-ubyte.gz": "train-images.idx3-ubyte"})
    data = load_mnist(tmp_path / "plain", source="full")
    assert data.x_train.shape == (12, 1, 28, 28) and data.x_test.shape == (6, 1, 28, 28)


def test_a_corrupt_file_is_refused_not_loaded(tmp_path, fake_mnist):
    fake_mnist(tmp_path / "d")
    path = tmp_path / "d" / "t10k-images-idx3-ubyte.gz"
    write_idx(path, np.zeros((6, 28, 28), dtype=np.uint8))  # well-formed, wrong content
    with pytest.raises(ChecksumError) as info:
        load_mnist(tmp_path / "d")
    msg = str(info.value)
    assert msg.startswith(f"load_mnist: {path} is not the expected mnist file")
    assert "python -m cnnlab.datasets download mnist" in msg


def test_image_label_count_mismatch_is_refused(tmp_path, monkeypatch):
    files, _ = make_fake_dataset(tmp_path / "d")
    labels = write_idx(tmp_path / "d" / "train-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    raw = labels.read_bytes()
    files = tuple(dataclasses.replace(f, sha256=hashlib.sha256(gzip.decompress(raw)).hexdigest())
                  if f.filename == labels.name else f for f in files)
    monkeypatch.setattr(loaders, "MNIST", dataclasses.replace(MNIST, files=files))
    with pytest.raises(IdxFormatError, match="has 12 images but .* has 11 labels"):
        load_mnist(tmp_path / "d")


def test_cache_root_env_and_checkout(tmp_path, monkeypatch):
    assert cache_root() == tmp_path / "cache"
    monkeypatch.delenv("CNNLAB_CACHE_DIR")
    from pathlib import Path
    repo = Path(loaders.__file__).resolve().parents[2]
    if (repo / "data" / "README.md").is_file():
        assert cache_root() == repo / "data"
    else:
        assert cache_root().name == "cnnlab"
