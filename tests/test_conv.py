"""Convolution: the loop and im2col versions agree, and both match the definition."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import functional as F
from strategies import conv_case, seeds


@given(seeds, conv_case(), st.booleans())
def test_naive_and_fast_agree_to_1e_10(seed, case, bias):
    x_shape, w_shape, stride, pad = case
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if bias else None
    out_naive, cache_naive = F.conv2d_forward_naive(x, w, b, stride, pad)
    out_fast, cache_fast = F.conv2d_forward(x, w, b, stride, pad)
    np.testing.assert_allclose(out_fast, out_naive, rtol=0, atol=1e-10)
    dout = rng.standard_normal(out_naive.shape)
    grads_naive = F.conv2d_backward_naive(dout, cache_naive)
    grads_fast = F.conv2d_backward(dout, cache_fast)
    for name, g_naive, g_fast in zip(grads_naive._fields, grads_naive, grads_fast):
        if g_naive is None:
            assert g_fast is None and not bias
            continue
        np.testing.assert_allclose(g_fast, g_naive, rtol=0, atol=1e-10, err_msg=name)


@given(seeds, conv_case())
def test_caches_are_interchangeable(seed, case):
    x_shape, w_shape, stride, pad = case
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    out, cache_naive = F.conv2d_forward_naive(x, w, b, stride, pad)
    _, cache_fast = F.conv2d_forward(x, w, b, stride, pad)
    dout = rng.standard_normal(out.shape)
    for a, c in zip(F.conv2d_backward(dout, cache_naive), F.conv2d_backward_naive(dout, cache_fast)):
        np.testing.assert_allclose(a, c, rtol=0, atol=1e-10)


@given(seeds, conv_case())
def test_col2im_is_the_adjoint_of_im2col(seed, case):
    # <im2col(x), c> == <x, col2im(c)> for every x and c: col2im is exactly the transpose
    x_shape, w_shape, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    cols = F.im2col(x, w_shape[2:], stride, pad)
    c = rng.standard_normal(cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * F.col2im(c, x_shape, w_shape[2:], stride, pad))
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))


def test_im2col_rows_are_patches():
    x = np.arange(16, dtype=float).reshape(1, 1, 4, 4)
    cols = F.im2col(x, (2, 3), (2, 1), (0, 0))
    assert cols.shape == (2 * 2, 6)  # H_out = (4-2)//2+1 = 2, W_out = (4-3)//1+1 = 2
    np.testing.assert_array_equal(cols[0], [0, 1, 2, 4, 5, 6])
    np.testing.assert_array_equal(cols[3], [9, 10, 11, 13, 14, 15])


@pytest.mark.parametrize("forward", [F.conv2d_forward_naive, F.conv2d_forward])
def test_cross_correlation_by_hand(forward):
    # the worked example of notebook 4: no kernel flip, so a kernel picks out its own pattern
    x = np.array([[1, 2, 0],
                  [0, 1, 3],
                  [2, 1, 1]], dtype=float).reshape(1, 1, 3, 3)
    w = np.array([[1, 0],
                  [0, -1]], dtype=float).reshape(1, 1, 2, 2)
    out, _ = forward(x, w, np.array([0.5]))
    np.testing.assert_array_equal(out[0, 0], [[1 - 1 + 0.5, 2 - 3 + 0.5],
                                              [0 - 1 + 0.5, 1 - 1 + 0.5]])


@pytest.mark.parametrize("x_hw, k_hw, stride, pad, out_hw", [
    ((28, 28), (5, 5), 1, 2, (28, 28)),  # LeNet-5 conv1: "same" padding
    ((14, 14), (5, 5), 1, 0, (10, 10)),  # LeNet-5 conv2
    ((7, 9), (3, 5), (2, 1), (1, 0), (4, 5)),  # rectangular everything
])
def test_output_size_formula(x_hw, k_hw, stride, pad, out_hw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, *x_hw))
    w = rng.standard_normal((4, 3, *k_hw))
    out, _ = F.conv2d_forward(x, w, None, stride, pad)
    assert out.shape == (2, 4, *out_hw)


def test_keeps_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 1, 6, 6)).astype(np.float32)
    w = rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    out, cache = F.conv2d_forward(x, w, np.zeros(3, np.float32))
    grads = F.conv2d_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads)


def test_bias_free_conv_has_no_db():
    rng = np.random.default_rng(0)
    out, cache = F.conv2d_forward(rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((3, 2, 3, 3)))
    assert F.conv2d_backward(np.ones_like(out), cache).db is None
