"""Edge cases of layers and models: a batch of zero examples, and constructor arguments that make no sense."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab.layers import BatchNorm1d, BatchNorm2d, Conv2d, Linear, SoftmaxCrossEntropyLoss
from cnnlab.models import DeepCNN, LeNet5
from cnnlab.optim import SGD
from cnnlab.train import evaluate, train_step


def test_linear_and_flatten_take_a_batch_of_zero_like_every_other_layer():
    out, cache = F.linear_forward(np.zeros((0, 3, 4)), np.ones((12, 5)), np.ones(5))
    grads = F.linear_backward(np.zeros((0, 5)), cache)
    assert out.shape == (0, 5) and grads.dx.shape == (0, 3, 4)
    assert np.array_equal(grads.dw, np.zeros((12, 5))) and np.array_equal(grads.db, np.zeros(5))
    out, cache = F.flatten_forward(np.zeros((0, 2, 3, 3)))
    assert out.shape == (0, 18) and F.flatten_backward(np.zeros((0, 18)), cache).dx.shape == (0, 2, 3, 3)


def test_the_reference_lenet5_takes_a_batch_of_zero():
    model = LeNet5(rng=np.random.default_rng(0), fast=False)
    assert model.forward(np.zeros((0, 1, 28, 28), np.float32)).shape == (0, 10)
    assert model.backward(np.zeros((0, 10), np.float32)).shape == (0, 1, 28, 28)


def _zero_batch_step(model, input_grad):
    """Forward and backward on a batch of 0: (out, dx, grads), or (error type, message)."""
    try:
        out = model.forward(np.zeros((0, 1, 28, 28)))
        dx = model.backward(np.zeros((0, 10)), input_grad=input_grad)
    except (TypeError, ValueError) as error:
        return type(error), str(error)
    return out, dx, model.named_grads()


@pytest.mark.parametrize("make", [
    lambda fast: LeNet5(rng=np.random.default_rng(0), dtype=np.float64, fast=fast),
    lambda fast: LeNet5(rng=np.random.default_rng(0), dtype=np.float64, fast=fast, variant="classic",
                        dropout=0.3),
    lambda fast: LeNet5(rng=np.random.default_rng(0), dtype=np.float64, fast=fast, batchnorm=True),
    lambda fast: DeepCNN(rng=np.random.default_rng(0), dtype=np.float64, fast=fast),
], ids=["modern", "classic-dropout", "batchnorm", "deepcnn"])
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("input_grad", [True, False])
def test_the_fast_path_takes_a_batch_of_zero_as_the_reference_does(make, mode, input_grad):
    # the same empty output, input gradient and all-zero parameter gradients; batch norm in train
    # mode has no variance to estimate and says so, on both paths in the same words
    reference, fast_model = make(False), make(True)
    reference.train(mode == "train")
    fast_model.train(mode == "train")
    expected, got = _zero_batch_step(reference, input_grad), _zero_batch_step(fast_model, input_grad)
    if isinstance(expected[0], type):
        assert "batchnorm" in expected[1] and got == expected
        return
    (out_r, dx_r, grads_r), (out_f, dx_f, grads_f) = expected, got
    assert out_f.shape == out_r.shape == (0, 10) and out_f.dtype == out_r.dtype
    if input_grad:
        assert dx_f.shape == dx_r.shape == (0, 1, 28, 28) and dx_f.dtype == dx_r.dtype
    else:
        assert dx_f is None and dx_r is None
    assert grads_f.keys() == grads_r.keys()
    for name, grad in grads_r.items():
        assert grads_f[name].dtype == grad.dtype, name
        np.testing.assert_array_equal(grads_f[name], grad, err_msg=name)
        np.testing.assert_array_equal(grad, np.zeros_like(grad), err_msg=name)


@pytest.mark.parametrize("fast", [False, True])
def test_a_train_step_or_evaluate_on_an_empty_batch_fails_clearly_and_changes_nothing(fast):
    model = LeNet5(rng=np.random.default_rng(0), dtype=np.float64, fast=fast)
    before = {name: value.copy() for name, value in model.state_dict().items()}
    x, y = np.zeros((0, 1, 28, 28)), np.zeros(0, dtype=np.int64)
    with pytest.raises(ValueError, match=r"^softmax_cross_entropy: expected at least one example, "
                                         r"got x of shape \(0, 10\)$"):
        train_step(model, x, y, optimizer=SGD(model, lr=0.1), loss=SoftmaxCrossEntropyLoss())
    with pytest.raises(ValueError, match=r"^evaluate: expected x of shape \(N, \.\.\.\) with N >= 1"):
        evaluate(model, x, y)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


@pytest.mark.parametrize("make, error, message", [
    (lambda: Conv2d(0, 4, 3, rng=np.random.default_rng(0)), ValueError, "in_channels >= 1, got 0"),
    (lambda: Conv2d(1, -2, 3, rng=np.random.default_rng(0)), ValueError, "out_channels >= 1, got -2"),
    (lambda: Conv2d(2.5, 4, 3, rng=np.random.default_rng(0)), TypeError, "in_channels to be an int, got 2.5"),
    (lambda: Linear(0, 3, rng=np.random.default_rng(0)), ValueError, "in_features >= 1, got 0"),
    (lambda: Linear(4, -1, rng=np.random.default_rng(0)), ValueError, "out_features >= 1, got -1"),
    (lambda: Linear(4, 3.0, rng=np.random.default_rng(0)), TypeError, "out_features to be an int"),
    (lambda: BatchNorm1d(0), ValueError, "num_features >= 1, got 0"),
    (lambda: BatchNorm2d(True), TypeError, "num_features to be an int"),
])
def test_constructors_reject_sizes_that_make_no_sense(make, error, message):
    with pytest.raises(error, match=message):
        make()
