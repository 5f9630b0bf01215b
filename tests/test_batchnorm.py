"""Batch norm: normalises, its two backward forms agree, running statistics behave."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import functional as F
from cnnlab.layers import BatchNorm1d, BatchNorm2d
from strategies import seeds


def test_train_mode_output_has_zero_mean_unit_variance_then_scale_and_shift():
    rng = np.random.default_rng(0)
    x = 5 + 3 * rng.standard_normal((200, 4))
    out, _ = F.batchnorm_forward(x, np.ones(4), np.zeros(4))
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1, rtol=1e-4)  # eps = 1e-5 keeps it just under 1
    out, _ = F.batchnorm_forward(x, np.full(4, 2.0), np.full(4, -1.0))
    np.testing.assert_allclose(out.mean(axis=0), -1, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 2, rtol=1e-4)


@given(seeds, st.integers(2, 8), st.integers(1, 5), st.booleans())
def test_compact_and_graph_backward_agree(seed, n, d, train):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d))
    _, cache = F.batchnorm_forward(x, rng.standard_normal(d), rng.standard_normal(d), train=train,
                                   running_mean=rng.standard_normal(d), running_var=rng.uniform(0.5, 2, d))
    dout = rng.standard_normal((n, d))
    for compact, graph in zip(F.batchnorm_backward(dout, cache), F.batchnorm_backward_graph(dout, cache)):
        np.testing.assert_allclose(compact, graph, rtol=1e-10, atol=1e-12)


@given(seeds, st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3))
def test_spatial_equals_plain_batchnorm_over_pixels(seed, n, c, h, w):
    if n * h * w < 2:
        n = 2
    rng = np.random.default_rng(seed)
    x, gamma, beta = rng.standard_normal((n, c, h, w)), rng.standard_normal(c), rng.standard_normal(c)
    out, cache = F.spatial_batchnorm_forward(x, gamma, beta)
    rows = x.transpose(0, 2, 3, 1).reshape(-1, c)
    out_rows, cache_rows = F.batchnorm_forward(rows, gamma, beta)
    np.testing.assert_allclose(out, out_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2), atol=1e-14)
    dout = rng.standard_normal(x.shape)
    grads = F.spatial_batchnorm_backward(dout, cache)
    grads_rows = F.batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache_rows)
    np.testing.assert_allclose(grads.dx, grads_rows.dx.reshape(n, h, w, c).transpose(0, 3, 1, 2),
                               atol=1e-13)
    np.testing.assert_allclose(grads.dgamma, grads_rows.dgamma, atol=1e-13)


def test_eval_mode_uses_running_statistics():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    out, _ = F.batchnorm_forward(x, np.ones(2), np.zeros(2), train=False,
                                 running_mean=np.array([1.0, 2.0]), running_var=np.array([4.0, 16.0]),
                                 eps=0.0 + 1e-300)
    np.testing.assert_allclose(out, [[0, 0], [1, 1]])


def test_running_statistics_follow_pytorch_convention():
    x = np.array([[1.0], [2.0], [3.0], [6.0]])  # mean 3, biased var 3.5, unbiased 14/3
    _, cache = F.batchnorm_forward(x, np.ones(1), np.zeros(1))
    mean, var = F.update_running_stats(np.zeros(1), np.ones(1), cache, momentum=0.1)
    assert mean[0] == pytest.approx(0.1 * 3)
    assert var[0] == pytest.approx(0.9 * 1 + 0.1 * 14 / 3)


@pytest.mark.parametrize("layer_class, shape", [(BatchNorm1d, (16, 3)), (BatchNorm2d, (4, 3, 5, 5))])
def test_layer_updates_running_stats_in_train_mode_only(layer_class, shape):
    layer = layer_class(3, momentum=0.5, dtype=np.float64)
    x = 2 + np.random.default_rng(0).standard_normal(shape)
    layer.forward(x)
    after_train = layer.state_dict()
    assert not np.allclose(after_train["running_mean"], 0)
    layer.eval()
    out = layer.forward(x)
    np.testing.assert_array_equal(layer.buffers["running_mean"], after_train["running_mean"])
    expected, _ = (F.batchnorm_forward if layer_class is BatchNorm1d else F.spatial_batchnorm_forward)(
        x, np.ones(3), np.zeros(3), train=False, running_mean=after_train["running_mean"],
        running_var=after_train["running_var"])
    np.testing.assert_allclose(out, expected)


def test_running_statistics_converge_to_the_data_statistics():
    rng = np.random.default_rng(0)
    layer = BatchNorm1d(2, dtype=np.float64)
    for _ in range(200):
        layer.forward(np.array([3.0, -1.0]) + np.array([2.0, 0.5]) * rng.standard_normal((64, 2)))
    np.testing.assert_allclose(layer.buffers["running_mean"], [3, -1], atol=0.1)
    np.testing.assert_allclose(layer.buffers["running_var"], [4, 0.25], rtol=0.1)
