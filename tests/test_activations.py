"""Activations: definitions, derivatives and saturation."""

import warnings

import numpy as np
import pytest

from cnnlab import functional as F


def test_relu_and_its_derivative_at_zero():
    x = np.array([-2.0, 0.0, 3.0])
    out, cache = F.relu_forward(x)
    np.testing.assert_array_equal(out, [0, 0, 3])
    np.testing.assert_array_equal(F.relu_backward(np.ones(3), cache).dx, [0, 0, 1])  # 0 at the kink


def test_sigmoid_is_stable_and_exact_far_out():
    x = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, cache = F.sigmoid_forward(x)
    np.testing.assert_allclose(out[1:4], 1 / (1 + np.exp(-x[1:4])), rtol=1e-15)
    assert out[0] == 0 and out[4] == 1  # e**-1000 underflows to 0, quietly
    dx = F.sigmoid_backward(np.ones_like(x), cache).dx
    # saturated: the gradient is tiny but still right, e^-30 / (1 + e^-30)^2 at |x| = 30
    np.testing.assert_allclose(dx[[1, 3]], np.exp(-30) / (1 + np.exp(-30)) ** 2, rtol=1e-6)
    assert dx[2] == 0.25 and dx[0] == 0 and dx[4] == 0


def test_sigmoid_gradient_vanishes_with_depth():
    # the lesson of notebook 1: sigmoid' <= 1/4, so ten layers shrink a gradient by >= 4**10
    _, cache = F.sigmoid_forward(np.zeros(1))
    grad = np.ones(1)
    for _ in range(10):
        grad = F.sigmoid_backward(grad, cache).dx
    assert grad[0] == pytest.approx(0.25 ** 10)


def test_tanh_derivative():
    x = np.linspace(-3, 3, 13)
    _, cache = F.tanh_forward(x)
    np.testing.assert_allclose(F.tanh_backward(np.ones_like(x), cache).dx, 1 / np.cosh(x) ** 2, rtol=1e-12)


@pytest.mark.parametrize("forward", [F.relu_forward, F.sigmoid_forward, F.tanh_forward])
def test_activations_keep_shape_and_float32(forward):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    out, _ = forward(x)
    assert out.shape == x.shape and out.dtype == np.float32
