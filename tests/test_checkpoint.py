"""Checkpoints: exact resume, contents, atomic writes, and clear errors.

The central promise: a run interrupted after epoch k and resumed from its
checkpoint ends with bit-identical weights (and optimizer state, buffers,
random generator states and history) to a run that never stopped.
"""

import json
import os
from types import SimpleNamespace

import numpy as np
import pytest

from cnnlab.datasets import RandomShift, load_mnist
from cnnlab.models import MLP, LeNet5
from cnnlab.optim import SGD, Adam, RMSProp
from cnnlab.optim.schedules import CosineSchedule, ExponentialSchedule, LinearWarmup
from cnnlab.train import CheckpointError, EarlyStopping, fit, load_checkpoint, load_weights, save_checkpoint
from cnnlab.train.checkpoint import generators_of


@pytest.fixture(scope="module")
def data():
    return load_mnist(source="sample", val_size=64, n_train=192, n_test=64, rng=np.random.default_rng(0))


def lenet_setup():
    """LeNet-5 with batch norm (buffers) and dropout (a generator), SGD with Nesterov
    momentum and weight decay, a warm-up into a cosine schedule, and early stopping."""
    model = LeNet5(rng=np.random.default_rng(10), batchnorm=True, dropout=0.3)
    return dict(model=model,
                optimizer=SGD(model, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4),
                schedule=LinearWarmup(CosineSchedule(lr=0.05, num_epochs=3), warmup_epochs=0.5),
                early_stopping=EarlyStopping(patience=10),
                rng=np.random.default_rng(20))


def mlp_setup(opt_cls=Adam):
    model = MLP((784, 24, 10), rng=np.random.default_rng(3), dropout=0.2, batchnorm=True)
    opt = opt_cls(model, lr=0.01) if opt_cls is not SGD else SGD(model, lr=0.05, momentum=0.9)
    return dict(model=model, optimizer=opt, schedule=ExponentialSchedule(lr=0.01, gamma=0.7),
                early_stopping=None, rng=np.random.default_rng(4))


def train(setup, data, num_epochs, **kw):
    return fit(setup["model"], data, optimizer=setup["optimizer"], num_epochs=num_epochs,
               batch_size=32, rng=setup["rng"], schedule=setup["schedule"],
               early_stopping=setup["early_stopping"], progress=False, **kw)


def assert_same_run(a, b, history_a, history_b):
    wa, wb = a["model"].state_dict(), b["model"].state_dict()
    assert wa.keys() == wb.keys()
    for name in wa:
        assert np.array_equal(wa[name], wb[name]), f"{name} differs"
    oa, ob = a["optimizer"].state_dict(), b["optimizer"].state_dict()
    for key in oa:
        assert np.array_equal(oa[key], ob[key]), f"optimizer {key} differs"
    for ga, gb in zip(generators_of(a["rng"], a["model"]), generators_of(b["rng"], b["model"])):
        assert ga.bit_generator.state == gb.bit_generator.state
    assert history_a.steps == history_b.steps
    for field in history_a.epochs:
        if field != "seconds":
            assert history_a.epochs[field] == history_b.epochs[field], field


@pytest.mark.parametrize("interrupted_after", [1, 2])
@pytest.mark.slow
def test_resumed_lenet5_run_is_bit_identical(data, tmp_path, interrupted_after):
    straight = lenet_setup()
    history_straight = train(straight, data, 3)

    path = tmp_path / "run.npz"
    first = lenet_setup()
    train(first, data, interrupted_after, checkpoint=path)
    # a new process would rebuild everything from the same seeds
    resumed = lenet_setup()
    history_resumed = train(resumed, data, 3, resume=path, checkpoint=path)

    assert_same_run(straight, resumed, history_straight, history_resumed)
    assert load_checkpoint(path).epoch == 3


@pytest.mark.parametrize("opt_cls", [SGD, Adam, RMSProp])
def test_resume_is_exact_for_every_optimizer(data, tmp_path, opt_cls):
    straight = mlp_setup(opt_cls)
    history_straight = train(straight, data, 3)
    first = mlp_setup(opt_cls)
    train(first, data, 2, checkpoint=tmp_path / "c.npz", checkpoint_every=2)
    resumed = mlp_setup(opt_cls)
    history_resumed = train(resumed, data, 3, resume=tmp_path / "c.npz")
    assert_same_run(straight, resumed, history_straight, history_resumed)


def test_resume_is_exact_with_augmentation(data, tmp_path):
    shift = RandomShift(2)  # draws from fit's rng, whose state the checkpoint keeps
    straight = mlp_setup()
    history_straight = train(straight, data, 3, augment=shift)
    first = mlp_setup()
    train(first, data, 1, checkpoint=tmp_path / "c.npz", augment=shift)
    resumed = mlp_setup()
    history_resumed = train(resumed, data, 3, resume=tmp_path / "c.npz", augment=shift)
    assert_same_run(straight, resumed, history_straight, history_resumed)
    with pytest.raises(ValueError, match=r"augment: saved 'RandomShift\(max_shift=2\)', now None"):
        train(mlp_setup(), data, 3, resume=tmp_path / "c.npz")


def test_checkpoint_contents_load_without_pickle(data, tmp_path):
    setup = lenet_setup()
    train(setup, data, 1, checkpoint=tmp_path / "c.npz")
    with np.load(tmp_path / "c.npz", allow_pickle=False) as npz:
        keys = set(npz.files)
        assert all(npz[k].dtype != object for k in keys)
        meta = json.loads(str(npz["meta"]))
        rng = json.loads(str(npz["rng"]))
    assert {"model/conv1.w", "model/bn1.running_mean", "optimizer/velocity.conv1.w", "optimizer/step",
            "optimizer/lr", "schedule/type", "schedule/after.num_epochs", "early_stopping/best_value",
            "early_stopping/best_state.fc3.w", "history/steps/loss", "history/epochs/val_acc",
            "rng", "meta", "format", "version"} <= keys
    assert meta["epoch"] == 1 and meta["batch_size"] == 32 and meta["n_train"] == 192
    assert len(rng) == 2 and rng[0]["bit_generator"] == "PCG64"  # training rng, model rng
    ckpt = load_checkpoint(tmp_path / "c.npz")
    assert ckpt.epoch == 1 and ckpt.history.num_epochs == 1 and ckpt.optimizer["step"] == 6


def test_generators_are_listed_once(data):
    rng = np.random.default_rng(0)
    model = LeNet5(rng=rng, dropout=0.5)  # the same generator in two dropout layers and in fit
    assert generators_of(rng, model) == [rng]
    other = np.random.default_rng(1)
    assert generators_of(other, model) == [other, rng]


def test_save_is_atomic_and_leaves_no_temporary_file(data, tmp_path, monkeypatch):
    setup = mlp_setup()
    path = tmp_path / "c.npz"
    train(setup, data, 1, checkpoint=path)
    assert sorted(os.listdir(tmp_path)) == ["c.npz"]
    good = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"half a zip file")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model=setup["model"], optimizer=setup["optimizer"], epoch=2)
    assert sorted(os.listdir(tmp_path)) == ["c.npz"], "no temporary file left behind"
    assert path.read_bytes() == good, "the previous checkpoint is intact"


def test_shape_mismatch_names_the_parameter(tmp_path):
    small = MLP((784, 400, 200, 10), rng=np.random.default_rng(0))
    save_checkpoint(tmp_path / "c.npz", model=small)
    other = MLP((784, 300, 200, 10), rng=np.random.default_rng(0))
    before = {k: v.copy() for k, v in other.state_dict().items()}
    with pytest.raises(ValueError, match=r"load_weights: checkpoint .*c.npz does not fit this model: "
                                         r"parameter 'fc1.w' has shape \(784, 300\) in the model but "
                                         r"\(784, 400\) in the checkpoint"):
        load_weights(other, tmp_path / "c.npz")
    assert all(np.array_equal(before[k], v) for k, v in other.state_dict().items())
    load_weights(MLP((784, 400, 200, 10), rng=np.random.default_rng(5)), tmp_path / "c.npz")


def test_resume_into_a_different_model_names_the_parameter(data, tmp_path):
    setup = mlp_setup()
    train(setup, data, 1, checkpoint=tmp_path / "c.npz")
    model = MLP((784, 16, 10), rng=np.random.default_rng(3), dropout=0.2, batchnorm=True)
    with pytest.raises(ValueError, match=r"cannot resume from .*c.npz: it holds the weights of another "
                                         r"network \(layer 2 is 'fc1: Linear\(784, 16, bias=False\)' here "
                                         r"but 'fc1: Linear\(784, 24, bias=False\)' in the checkpoint\)"):
        fit(model, data, optimizer=Adam(model, lr=0.01), num_epochs=2, batch_size=32,
            rng=np.random.default_rng(4), schedule=ExponentialSchedule(lr=0.01, gamma=0.7),
            resume=tmp_path / "c.npz", progress=False)


def test_resume_with_other_settings_is_refused_and_changes_nothing(data, tmp_path):
    setup = mlp_setup()
    train(setup, data, 1, checkpoint=tmp_path / "c.npz")
    other = mlp_setup()
    before = {k: v.copy() for k, v in other["model"].state_dict().items()}
    other["optimizer"] = Adam(other["model"], lr=0.01, betas=(0.5, 0.999))
    with pytest.raises(ValueError, match=r"does not fit: Adam.load_state_dict: the state was saved with "
                                         r"beta1=0.9 but this Adam has beta1=0.5"):
        train(other, data, 2, resume=tmp_path / "c.npz")
    assert all(np.array_equal(before[k], v) for k, v in other["model"].state_dict().items()), \
        "all or nothing: the model is not half-loaded"
    with pytest.raises(ValueError, match=r"fit: cannot resume from .* exactly: the training setup differs "
                                         r"\(batch_size: saved 32, now 16\)"):
        fit(other["model"], data, optimizer=Adam(other["model"], lr=0.01), num_epochs=2, batch_size=16,
            rng=np.random.default_rng(4), resume=tmp_path / "c.npz", progress=False)
    fewer = SimpleNamespace(x_train=data.x_train[:100], y_train=data.y_train[:100])
    with pytest.raises(ValueError, match=r"n_train: saved 192, now 100"):
        train(mlp_setup(), fewer, 2, resume=tmp_path / "c.npz")


def test_loading_something_else(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load_checkpoint: no checkpoint at"):
        load_checkpoint(tmp_path / "missing.npz")
    np.savez(tmp_path / "weights.npz", w=np.zeros(3))
    with pytest.raises(ValueError, match=r"is not a cnnlab checkpoint"):
        load_checkpoint(tmp_path / "weights.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match=r"junk.npz is not a readable .npz file"):
        load_checkpoint(tmp_path / "junk.npz")
    np.savez(tmp_path / "pickled.npz", format=np.array("cnnlab-checkpoint"), version=np.array(1),
             meta=np.array([{"epoch": 1}], dtype=object))
    with pytest.raises(ValueError):  # an object array would need pickle: refused
        load_checkpoint(tmp_path / "pickled.npz")
