"""Issue 17, the library side: damaged checkpoints, a resume into another network, divergence.

Each test first reproduced the failure the issue reports (a raw ``BadZipFile``,
a resume that continued the weights in another network, Adam's state
overflowing to inf while training went on), then checks the fix.
"""

import math

import numpy as np
import pytest

from cnnlab.datasets import load_mnist
from cnnlab.models import MLP, LeNet5
from cnnlab.optim import SGD, Adam
from cnnlab.sweep.params import full_config
from cnnlab.sweep.trial import Trial, TrialData, train_trial
from cnnlab.train import (CheckpointError, DivergedError, NonFiniteLossError, fit, load_checkpoint,
                          save_checkpoint)
from cnnlab.train.history import History
from cnnlab.train.step import first_non_finite


@pytest.fixture(scope="module")
def data():
    return load_mnist(source="sample", n_train=128, n_test=32, rng=np.random.default_rng(0))


def small_checkpoint(path):
    model = MLP((784, 4, 10), rng=np.random.default_rng(0))
    history = History()
    history.log_step(step=1, epoch=0.5, loss=2.3, acc=0.1, lr=0.01)
    save_checkpoint(path, model=model, optimizer=Adam(model), epoch=1, history=history,
                    generators=[np.random.default_rng(0)])
    return path.read_bytes()


# -- damaged checkpoints -------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["empty", "truncated", "last byte cut", "bit flipped in an array"])
def test_a_damaged_checkpoint_is_one_error_naming_the_file(tmp_path, damage):
    path = tmp_path / "checkpoint.npz"
    good = small_checkpoint(path)
    data_at = good.index(b"model/fc1.w.npy") + 300  # inside the array's bytes
    damaged = {"empty": b"", "truncated": good[:len(good) // 2], "last byte cut": good[:-1],
               "bit flipped in an array": good[:data_at] + bytes([good[data_at] ^ 4]) + good[data_at + 1:]}
    path.write_bytes(damaged[damage])
    with pytest.raises(CheckpointError, match=rf"^load_checkpoint: {path} is damaged") as info:
        load_checkpoint(path)
    assert isinstance(info.value, ValueError) and info.value.path == path
    assert "\n" not in str(info.value)


def test_any_flipped_bit_loads_or_is_one_error_naming_the_file(tmp_path):
    """A bit flipped anywhere (every 61st byte, and every byte of the zip's directory at the end)."""
    path = tmp_path / "c.npz"
    good = small_checkpoint(path)
    tail = good.rindex(b"PK\x01\x02", 0, good.rindex(b"PK\x05\x06")) - 400
    positions = sorted(set(range(0, len(good), 61)) | set(range(tail, len(good), 3)))
    errors = 0
    for position in positions:
        path.write_bytes(good[:position] + bytes([good[position] ^ 0x10]) + good[position + 1:])
        try:
            load_checkpoint(path)
        except CheckpointError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc), (position, exc)
            errors += 1
    assert errors > len(positions) // 2


def test_every_error_of_a_malformed_checkpoint_names_the_file(tmp_path):
    path = tmp_path / "c.npz"
    small_checkpoint(path)
    with np.load(path) as npz:
        arrays = dict(npz)
    arrays["history/steps/loss"] = np.zeros(3)  # the other step columns have 1 value
    np.savez(path, **arrays)
    with pytest.raises(CheckpointError, match=rf"^load_checkpoint: {path} is damaged .*History.from_dict: "
                                              r"the 'steps' columns have different lengths"):
        load_checkpoint(path)
    del arrays["history/steps/loss"], arrays["meta"]
    np.savez(path, **arrays)
    with pytest.raises(CheckpointError, match=rf"{path} is damaged .*missing entry 'meta'"):
        load_checkpoint(path)


def test_a_damaged_checkpoint_is_refused_by_fit_too(data, tmp_path):
    path = tmp_path / "c.npz"
    path.write_bytes(small_checkpoint(path)[:1000])
    model = MLP((784, 4, 10), rng=np.random.default_rng(0))
    with pytest.raises(CheckpointError, match=f"{path} is damaged"):
        fit(model, data, optimizer=Adam(model), num_epochs=2, rng=np.random.default_rng(1),
            resume=path, progress=False)


# -- the network is recorded, and a resume into another one refused ------------------------------

@pytest.mark.parametrize("other", [dict(activation="tanh"), dict(pooling="avg"), dict(variant="classic")])
def test_resume_into_another_network_is_refused(data, tmp_path, other):
    path = tmp_path / "c.npz"
    model = LeNet5(rng=np.random.default_rng(0), fast=True)
    fit(model, data, optimizer=SGD(model, lr=0.01), num_epochs=1, batch_size=64,
        rng=np.random.default_rng(1), checkpoint=path, progress=False)
    assert load_checkpoint(path).meta["architecture"][:2] == [
        "LeNet5", "conv1: Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), pad=(2, 2), bias=True)"]
    changed = LeNet5(rng=np.random.default_rng(0), fast=True, **other)
    with pytest.raises(ValueError, match=rf"fit: cannot resume from {path}: it holds the weights of "
                                         r"another network \(layer \d+ is '\w+: \w+\(.*\)' here but"):
        fit(changed, data, optimizer=SGD(changed, lr=0.01), num_epochs=2, batch_size=64,
            rng=np.random.default_rng(1), resume=path, progress=False)
    again = LeNet5(rng=np.random.default_rng(0), fast=False)  # the same network on the other path
    fit(again, data, optimizer=SGD(again, lr=0.01), num_epochs=2, batch_size=64,
        rng=np.random.default_rng(1), resume=path, progress=False)


# -- divergence beyond the loss ------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's overflow warnings on the way
def test_adam_state_overflowing_stops_training_and_keeps_the_last_good_checkpoint(data, tmp_path):
    path = tmp_path / "c.npz"
    model = LeNet5(rng=np.random.default_rng(0), fast=True)
    with pytest.raises(DivergedError, match=r"^fit: training diverged at step \d+ \(epoch 2, batch \d+ "
                                            r"of 2\) with lr=1e\+06: the optimizer state exp_avg_sq\.\S+ "
                                            rf"holds NaN or inf .* the checkpoint {path} keeps the last "
                                            r"good ones, from epoch 1\. Try a smaller") as info:
        fit(model, data, optimizer=Adam(model), num_epochs=3, batch_size=64, rng=np.random.default_rng(1),
            schedule=lambda epoch: 1e-3 if epoch < 1 else 1e6, checkpoint=path, progress=False)
    assert not isinstance(info.value, NonFiniteLossError) and math.isfinite(info.value.loss)
    saved = load_checkpoint(path)
    assert saved.epoch == 1
    for part in (saved.model, saved.optimizer):
        assert all(np.isfinite(v).all() for v in part.values() if np.asarray(v).dtype.kind == "f")


@pytest.mark.parametrize("where", ["grads", "state", "params"])
def test_each_non_finite_array_is_named(where):
    model = MLP((784, 4, 10), rng=np.random.default_rng(0))
    optimizer = Adam(model)
    assert first_non_finite(model, optimizer) is None
    arrays = {"grads": model.named_grads(), "params": model.named_params(),
              "state": optimizer.state["exp_avg"]}[where]
    arrays["fc2.b"][1] = np.nan
    assert first_non_finite(model, optimizer) == {"grads": "the gradient of fc2.b",
                                                  "state": "the optimizer state exp_avg.fc2.b",
                                                  "params": "the parameter fc2.b"}[where]


def test_a_sweep_trial_whose_adam_state_overflows_is_diverged(data):
    trial_data = TrialData(x=data.x_train, y=data.y_train, fold=np.arange(128) % 2)
    config = full_config("test", {"lr": 1e6, "epochs": 1, "batch_size": 32})
    model, _, row = train_trial(Trial(0, 0, config, seed=0), trial_data)
    assert row["status"] == "diverged" and model is None and math.isnan(row["val_acc"])
