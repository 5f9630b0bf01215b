"""Pooling: loop and vectorised versions agree, and ties send each gradient to one place."""

import numpy as np
import pytest
from hypothesis import given

from cnnlab import functional as F
from strategies import pool_case, seeds

MAX_POOL = (F.max_pool_forward, F.max_pool_backward)
MAX_POOL_NAIVE = (F.max_pool_forward_naive, F.max_pool_backward_naive)


@given(seeds, pool_case())
def test_max_pool_naive_and_fast_agree_even_with_ties(seed, case):
    x_shape, kernel, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, size=x_shape).astype(float)  # five values: ties everywhere
    out_naive, cache_naive = F.max_pool_forward_naive(x, kernel, stride, pad)
    out_fast, cache_fast = F.max_pool_forward(x, kernel, stride, pad)
    np.testing.assert_array_equal(out_fast, out_naive)
    np.testing.assert_array_equal(cache_fast.argmax, cache_naive.argmax)
    dout = rng.standard_normal(out_naive.shape)
    np.testing.assert_allclose(F.max_pool_backward(dout, cache_fast).dx,
                               F.max_pool_backward_naive(dout, cache_naive).dx, rtol=0, atol=1e-12)


@given(seeds, pool_case())
def test_avg_pool_naive_and_fast_agree(seed, case):
    x_shape, kernel, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    out_naive, cache_naive = F.avg_pool_forward_naive(x, kernel, stride, pad)
    out_fast, cache_fast = F.avg_pool_forward(x, kernel, stride, pad)
    np.testing.assert_allclose(out_fast, out_naive, rtol=0, atol=1e-12)
    dout = rng.standard_normal(out_naive.shape)
    np.testing.assert_allclose(F.avg_pool_backward(dout, cache_fast).dx,
                               F.avg_pool_backward_naive(dout, cache_naive).dx, rtol=0, atol=1e-12)


@pytest.mark.parametrize("forward, backward", [MAX_POOL, MAX_POOL_NAIVE])
@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 1), (3, 2), ((2, 3), (1, 2))])
def test_ties_route_each_window_gradient_to_exactly_one_position(forward, backward, kernel, stride):
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    x = np.zeros((2, 3, 3 * sh + kh, 3 * sw + kw))  # four windows a side; every window one big tie
    out, cache = forward(x, kernel, stride)
    dout = 1.0 + np.arange(out.size).reshape(out.shape)
    dx = backward(dout, cache).dx
    # the winner of an all-equal window is its first pixel in row-major order, its top-left;
    # no pixel is the top-left of two windows, so dx holds each window's gradient exactly once
    expected = np.zeros_like(x)
    expected[:, :, 0:sh * out.shape[2]:sh, 0:sw * out.shape[3]:sw] = dout
    np.testing.assert_array_equal(dx, expected)
    assert np.count_nonzero(dx) == out.size


def test_ties_first_maximum_in_row_major_order():
    x = np.array([[0, 5, 5, 1],
                  [5, 2, 1, 1],
                  [3, 3, 0, 9],
                  [3, 3, 9, 9]], dtype=float).reshape(1, 1, 4, 4)
    out, cache = F.max_pool_forward(x, 2)
    np.testing.assert_array_equal(out[0, 0], [[5, 5], [3, 9]])
    dx = F.max_pool_backward(np.ones_like(out), cache).dx[0, 0]
    np.testing.assert_array_equal(dx, [[0, 1, 1, 0],
                                       [0, 0, 0, 0],
                                       [1, 0, 0, 1],
                                       [0, 0, 0, 0]])


def test_overlapping_windows_add_their_gradients():
    x = np.array([[1, 2, 3],
                  [4, 9, 5],
                  [6, 7, 8]], dtype=float).reshape(1, 1, 3, 3)
    out, cache = F.max_pool_forward(x, kernel_size=2, stride=1)
    np.testing.assert_array_equal(out[0, 0], [[9, 9], [9, 9]])
    dx = F.max_pool_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), cache).dx
    assert dx[0, 0, 1, 1] == 10 and dx.sum() == 10


def test_max_pool_padding_never_wins():
    x = -np.ones((1, 1, 2, 2))
    out, cache = F.max_pool_forward(x, kernel_size=3, stride=1, pad=1)
    np.testing.assert_array_equal(out, x)  # each window holds real -1s and padding, -1 wins
    dx = F.max_pool_backward(np.ones_like(out), cache).dx
    assert dx.shape == x.shape and dx.sum() == 4


def test_avg_pool_counts_padding_as_zeros():
    x = np.ones((1, 1, 2, 2))
    out, _ = F.avg_pool_forward(x, kernel_size=3, stride=1, pad=1)
    np.testing.assert_allclose(out, np.full((1, 1, 2, 2), 4 / 9))


def test_avg_pool_by_hand():
    x = np.arange(16, dtype=float).reshape(1, 1, 4, 4)
    out, cache = F.avg_pool_forward(x, 2)
    np.testing.assert_array_equal(out[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(F.avg_pool_backward(np.ones_like(out), cache).dx, np.full(x.shape, 0.25))


def test_pooling_output_shape_and_dtype():
    x = np.random.default_rng(0).standard_normal((3, 4, 28, 28)).astype(np.float32)
    for forward in (F.max_pool_forward, F.avg_pool_forward):
        out, _ = forward(x, 2)
        assert out.shape == (3, 4, 14, 14) and out.dtype == np.float32
