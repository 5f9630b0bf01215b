"""The shipped LeNet-5 weights: they load, describe themselves, and classify digits."""

import numpy as np
import pytest

from cnnlab.datasets import load_mnist
from cnnlab.models import LeNet5
from cnnlab.pretrained import RECIPE, WEIGHTS, load_lenet5, pretrained_info
from cnnlab.pretrained.__main__ import main as pretrained_main
from cnnlab.pretrained.__main__ import train_command
from cnnlab.train import evaluate, predict, save_checkpoint


@pytest.fixture(scope="module")
def sample():
    return load_mnist(source="sample")


def test_weights_are_small_and_shipped():
    assert WEIGHTS.is_file()
    assert WEIGHTS.stat().st_size < 400_000  # 61,706 float32 numbers and their metadata


def test_they_score_at_least_99_percent_on_the_sample_test_part(sample):
    model = load_lenet5()
    assert isinstance(model, LeNet5) and not model.training
    assert sample.x_test.shape == (1000, 1, 28, 28)
    _, acc = evaluate(model, sample.x_test, sample.y_test)
    assert acc >= 0.99, f"pretrained LeNet-5 scores {acc:.4f} on the sample's test part"


def test_fast_and_float64_give_the_same_predictions(sample):
    x = sample.x_test[:200]
    reference = predict(load_lenet5(), x)
    assert np.array_equal(predict(load_lenet5(fast=True), x), reference)
    model64 = load_lenet5(dtype=np.float64)
    assert all(p.dtype == np.float64 for p in model64.named_params().values())
    assert np.array_equal(predict(model64, x.astype(np.float64)), reference)


def test_info_records_the_command_and_the_full_mnist_results():
    info = pretrained_info()
    assert info["command"] == train_command(RECIPE)
    assert info["command"].startswith("python -m cnnlab train --model lenet5 --dataset mnist")
    assert info["config"]["model"] == "lenet5" and info["config"]["augment_shift"] == 2
    assert info["n_test"] == 10_000 and info["test_acc"] >= 0.992
    assert len(info["per_class_acc"]) == 10
    cm = np.array(info["confusion_matrix"])
    assert cm.shape == (10, 10) and cm.sum() == 10_000
    assert np.trace(cm) == round(info["test_acc"] * 10_000)
    assert len(info["epochs"]["test_acc"]) == RECIPE["epochs"]


def test_info_command_prints(capsys):
    assert pretrained_main(["info"]) == 0
    out = capsys.readouterr().out
    assert "python -m cnnlab train --model lenet5" in out and "test accuracy:" in out


def test_a_file_that_is_not_a_lenet5_is_refused_clearly(tmp_path):
    from cnnlab.models import MLP
    mlp = MLP((784, 10), rng=np.random.default_rng(0))
    path = save_checkpoint(tmp_path / "mlp.npz", model=mlp, meta={"config": {"model": "mlp"}})
    with pytest.raises(ValueError, match=r"load_lenet5: .*mlp.npz does not record the options of a LeNet-5"):
        load_lenet5(path=path)
    lenet = LeNet5(rng=np.random.default_rng(0), batchnorm=True)
    path = save_checkpoint(tmp_path / "bn.npz", model=lenet, meta={"config": dict(RECIPE)})
    with pytest.raises(ValueError, match=r"load_lenet5: .*bn.npz does not fit the LeNet-5 it describes"):
        load_lenet5(path=path)
