"""Every backward pass against central differences, in float64, with a random
upstream gradient, over random shapes, strides, paddings and kernel sizes.

Bounds: the issue asks for a max relative error below 1e-7; layers that allow
it are held to tighter bounds, chosen from the error measured over thousands of
random cases (CNNLAB_HYPOTHESIS_RANDOM=1 CNNLAB_HYPOTHESIS_EXAMPLES=1500):

* Linear in each input (linear, conv, average pooling, flatten, dropout): a
  central difference of a linear function has no truncation error whatever the
  step, so h = 1 leaves only rounding, and the bound is 1e-9.
* Piecewise linear (ReLU, max pooling): the same, as long as no perturbation
  crosses a kink; inputs keep 0.1 away from ReLU's kink and max-pool candidates
  0.1 apart, and h = 0.02. Bound 1e-9.
Smooth layers: plain central differences trade truncation error (~h**2)
against rounding error (~1e-16/h), and the elementwise relative error is worst
where a true gradient entry happens to be near zero. Over 300 random cases per
function, plain steps of 1e-5 to 3e-4 let 0.3% to 8% of softmax, cross-entropy
and batch-norm cases exceed 1e-7 for that reason alone; Richardson-refined
central differences kept 3,000 cases per function below 5.2e-9 (batch norm,
h = 3e-3) and 4.3e-8 (softmax and cross-entropy, h = 1e-2). The tests use those.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import functional as F
from cnnlab.gradcheck import check_function
from conftest import away_from_zero, distinct_values
from strategies import conv_case, pool_case, seeds

SMOOTH = dict(h=3e-3, richardson=True, threshold=1e-7)
SOFTMAX = dict(h=1e-2, richardson=True, threshold=1e-7)
LINEAR = dict(h=1.0, threshold=1e-9)
PIECEWISE_LINEAR = dict(h=0.02, threshold=1e-9)


def assert_passes(report):
    report.assert_passed()
    assert report.checks, "nothing was checked"


@given(seeds, st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.integers(1, 5), st.booleans())
def test_linear(seed, n, feature_shape, m, bias):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, *feature_shape))
    w = rng.standard_normal((int(np.prod(feature_shape)), m))
    inputs = dict(x=x, w=w, b=rng.standard_normal(m) if bias else None)
    if not bias:
        inputs.pop("b")
    report = check_function(F.linear_forward, F.linear_backward, inputs, rng=rng, **LINEAR)
    assert_passes(report)
    assert [c.name for c in report.checks] == (["x", "w", "b"] if bias else ["x", "w"])


@given(seeds, st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_relu(seed, shape):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng.standard_normal(shape))
    assert_passes(check_function(F.relu_forward, F.relu_backward, dict(x=x), rng=rng,
                                 **PIECEWISE_LINEAR))


@given(seeds, st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_sigmoid(seed, shape):
    rng = np.random.default_rng(seed)
    x = 2 * rng.standard_normal(shape)  # saturated inputs are tested in test_activations.py
    assert_passes(check_function(F.sigmoid_forward, F.sigmoid_backward, dict(x=x), rng=rng, **SMOOTH))


@given(seeds, st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_tanh(seed, shape):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)  # tanh saturates twice as fast as sigmoid
    assert_passes(check_function(F.tanh_forward, F.tanh_backward, dict(x=x), rng=rng, **SMOOTH))


@given(seeds, st.integers(1, 5), st.integers(2, 6))
def test_softmax(seed, n, k):
    rng = np.random.default_rng(seed)
    x = 2 * rng.standard_normal((n, k))
    assert_passes(check_function(F.softmax_forward, F.softmax_backward, dict(x=x), rng=rng, **SOFTMAX))
    assert_passes(check_function(F.softmax_forward, F.softmax_backward_jacobian, dict(x=x), rng=rng,
                                 **SOFTMAX))


@given(seeds, st.integers(1, 5), st.integers(2, 6), st.booleans(), st.floats(0.1, 3.0))
def test_softmax_cross_entropy(seed, n, k, one_hot, dloss):
    rng = np.random.default_rng(seed)
    x = 2 * rng.standard_normal((n, k))
    y = rng.integers(0, k, size=n)
    if one_hot:
        y = np.eye(k)[y]
    report = check_function(F.softmax_cross_entropy_forward, F.softmax_cross_entropy_backward,
                            dict(x=x), dict(y=y), dout=dloss, rng=rng, **SOFTMAX)
    assert_passes(report)


@given(seeds, conv_case(), st.booleans(), st.booleans())
def test_conv2d(seed, case, bias, naive):
    x_shape, w_shape, stride, pad = case
    rng = np.random.default_rng(seed)
    inputs = dict(x=rng.standard_normal(x_shape), w=rng.standard_normal(w_shape))
    if bias:
        inputs["b"] = rng.standard_normal(w_shape[0])
    forward, backward = ((F.conv2d_forward_naive, F.conv2d_backward_naive) if naive
                         else (F.conv2d_forward, F.conv2d_backward))
    report = check_function(forward, backward, inputs, dict(stride=stride, pad=pad), rng=rng,
                            **LINEAR)
    assert_passes(report)


@given(seeds, pool_case(), st.booleans())
def test_max_pool(seed, case, naive):
    x_shape, kernel, stride, pad = case
    rng = np.random.default_rng(seed)
    x = distinct_values(rng, x_shape, spacing=0.1)
    forward, backward = ((F.max_pool_forward_naive, F.max_pool_backward_naive) if naive
                         else (F.max_pool_forward, F.max_pool_backward))
    hyper = dict(kernel_size=kernel, stride=stride, pad=pad)
    assert_passes(check_function(forward, backward, dict(x=x), hyper, rng=rng, **PIECEWISE_LINEAR))


@given(seeds, pool_case(), st.booleans())
def test_avg_pool(seed, case, naive):
    x_shape, kernel, stride, pad = case
    rng = np.random.default_rng(seed)
    forward, backward = ((F.avg_pool_forward_naive, F.avg_pool_backward_naive) if naive
                         else (F.avg_pool_forward, F.avg_pool_backward))
    hyper = dict(kernel_size=kernel, stride=stride, pad=pad)
    assert_passes(check_function(forward, backward, dict(x=rng.standard_normal(x_shape)), hyper,
                                 rng=rng, **LINEAR))


def _batchnorm_inputs(rng, feature_shape_first, channels):
    return dict(x=3 + 2 * rng.standard_normal(feature_shape_first),
                gamma=1 + 0.5 * rng.standard_normal(channels),
                beta=rng.standard_normal(channels))


# At least 4 values per feature: with 2, x_hat is +-1 whatever x is, dx is ~eps-sized
# and its relative error meaningless.
@given(seeds, st.integers(4, 8), st.integers(1, 4), st.booleans(), st.booleans())
def test_batchnorm(seed, n, d, train, graph):
    rng = np.random.default_rng(seed)
    inputs = _batchnorm_inputs(rng, (n, d), d)
    hyper = dict(train=train, running_mean=rng.standard_normal(d), running_var=rng.uniform(0.5, 2, d))
    backward = F.batchnorm_backward_graph if graph else F.batchnorm_backward
    assert_passes(check_function(F.batchnorm_forward, backward, inputs, hyper, rng=rng, **SMOOTH))


@given(seeds, st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
       st.booleans())
def test_spatial_batchnorm(seed, n, c, h, w, train):
    if train and n * h * w < 4:
        n = 4
    rng = np.random.default_rng(seed)
    inputs = _batchnorm_inputs(rng, (n, c, h, w), c)
    hyper = dict(train=train, running_mean=rng.standard_normal(c), running_var=rng.uniform(0.5, 2, c))
    assert_passes(check_function(F.spatial_batchnorm_forward, F.spatial_batchnorm_backward, inputs,
                                 hyper, rng=rng, **SMOOTH))


@given(seeds, st.lists(st.integers(1, 4), min_size=1, max_size=4), st.sampled_from([0.0, 0.3, 0.75]),
       st.booleans())
def test_dropout(seed, shape, p, train):
    rng = np.random.default_rng(seed)
    hyper = dict(p=p, train=train, rng=np.random.default_rng(seed + 1))
    assert_passes(check_function(F.dropout_forward, F.dropout_backward,
                                 dict(x=rng.standard_normal(shape)), hyper, rng=rng, **LINEAR))


@given(seeds, st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_flatten(seed, shape):
    rng = np.random.default_rng(seed)
    assert_passes(check_function(F.flatten_forward, F.flatten_backward,
                                 dict(x=rng.standard_normal(shape)), rng=rng, **LINEAR))
