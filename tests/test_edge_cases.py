"""Edge cases of layers and models: a batch of zero examples, and constructor arguments that make no sense."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab.layers import BatchNorm1d, BatchNorm2d, Conv2d, Linear
from cnnlab.models import LeNet5


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
