"""Softmax and cross-entropy: stable, label formats agree, Jacobian form agrees."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import functional as F
from strategies import seeds


def test_huge_logits_neither_overflow_nor_warn():
    x = np.array([[1000.0, 0.0, -1000.0], [1e308, 1e308, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow or invalid-value warning fails the test
        p, _ = F.softmax_forward(x)
        loss, _ = F.softmax_cross_entropy_forward(x, np.array([2, 2]))
    np.testing.assert_allclose(p, [[1, 0, 0], [0.5, 0.5, 0]])
    # example 1: -log p[2] = 2000; example 2: 1e308 + log 2
    assert np.isfinite(loss)
    assert loss == pytest.approx((2000 + 1e308 + np.log(2)) / 2)


def test_loss_of_uniform_scores_is_log_k():
    # the sanity check of every training run: an untrained classifier's loss is near log(K)
    loss, _ = F.softmax_cross_entropy_forward(np.zeros((5, 10)), np.arange(5))
    assert loss == pytest.approx(np.log(10), abs=1e-15)


@given(seeds, st.integers(1, 6), st.integers(2, 7))
def test_integer_and_one_hot_labels_agree(seed, n, k):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, k))
    y = rng.integers(0, k, size=n)
    loss_int, cache_int = F.softmax_cross_entropy_forward(x, y)
    loss_hot, cache_hot = F.softmax_cross_entropy_forward(x, np.eye(k)[y])
    assert loss_int == pytest.approx(loss_hot, abs=1e-14)
    np.testing.assert_allclose(F.softmax_cross_entropy_backward(1.0, cache_int).dx,
                               F.softmax_cross_entropy_backward(1.0, cache_hot).dx, atol=1e-15)


@given(seeds, st.integers(1, 6), st.integers(2, 7))
def test_gradient_is_p_minus_y_over_n(seed, n, k):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, k))
    y = rng.integers(0, k, size=n)
    _, cache = F.softmax_cross_entropy_forward(x, y)
    p, _ = F.softmax_forward(x)
    np.testing.assert_allclose(F.softmax_cross_entropy_backward(2.0, cache).dx,
                               2.0 * (p - np.eye(k)[y]) / n, atol=1e-15)


@given(seeds, st.integers(1, 5), st.integers(2, 7))
def test_jacobian_vector_product_equals_compact_backward(seed, n, k):
    rng = np.random.default_rng(seed)
    p, cache = F.softmax_forward(rng.standard_normal((n, k)))
    dout = rng.standard_normal((n, k))
    np.testing.assert_allclose(F.softmax_backward_jacobian(dout, cache).dx,
                               F.softmax_backward(dout, cache).dx, atol=1e-15)


def test_jacobian_entries():
    p = np.array([0.2, 0.3, 0.5])
    jacobian = F.softmax_jacobian(p)
    np.testing.assert_allclose(np.diag(jacobian), p * (1 - p))  # i == j
    assert jacobian[0, 1] == pytest.approx(-0.2 * 0.3)  # i != j
    np.testing.assert_allclose(jacobian.sum(axis=0), 0, atol=1e-16)  # probabilities keep summing to 1
    np.testing.assert_allclose(jacobian, jacobian.T)
    assert F.softmax_jacobian(np.tile(p, (4, 1))).shape == (4, 3, 3)


def test_probabilities_sum_to_one_in_float32():
    x = (10 * np.random.default_rng(0).standard_normal((8, 10))).astype(np.float32)
    p, _ = F.softmax_forward(x)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    loss, cache = F.softmax_cross_entropy_forward(x, np.arange(8))
    assert np.isfinite(loss) and F.softmax_cross_entropy_backward(1.0, cache).dx.dtype == np.float32
