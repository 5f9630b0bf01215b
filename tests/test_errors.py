"""Bad input gets a clear error naming the layer, what was expected and what came."""

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab import gradcheck as G
from cnnlab import layers as L
from cnnlab.init import initialize

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 8, 8))
W = rng.standard_normal((4, 3, 3, 3))


@pytest.mark.parametrize("forward", [F.conv2d_forward, F.conv2d_forward_naive])
def test_conv_wrong_channel_count(forward):
    with pytest.raises(ValueError, match=r"conv2d: x has 1 channels but w of shape \(4, 3, 3, 3\) "
                                         r"expects C = 3; got x of shape \(2, 1, 8, 8\)"):
        forward(X[:, :1], W)


def test_conv_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"conv2d: kernel height 11 is larger than the padded input "
                                         r"height 10 \(8 \+ 2\*1\)"):
        F.conv2d_forward(X, rng.standard_normal((4, 3, 11, 3)), pad=1)


def test_conv_stride_that_does_not_fit():
    with pytest.raises(ValueError, match=r"conv2d: stride 2 does not fit along the height: "
                                         r"\(input 8 \+ 2\*pad 0 - kernel 3\) = 5 is not a multiple of 2"):
        F.conv2d_forward(X, W, stride=2)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d_forward(X.astype(np.uint8), W), r"conv2d: expected x with a floating-point dtype"),
    (lambda: F.linear_forward(np.arange(6).reshape(2, 3), np.ones((3, 2))),
     r"linear: expected x with a floating-point dtype \(float32 or float64\), got dtype int"),
    (lambda: F.relu_forward(np.array([1, 2])), r"relu: expected x with a floating-point dtype"),
    (lambda: F.max_pool_forward(np.zeros((1, 1, 4, 4), dtype=int)), r"max_pool: expected x with a floating"),
    (lambda: F.softmax_forward([[1.0, 2.0]]), r"softmax: expected x to be a numpy.ndarray of floats, got list"),
    (lambda: F.conv2d_forward(X, W, pad=(1, 2, 3)),
     r"conv2d: expected pad to be an int or a pair of ints \(height, width\), got \(1, 2, 3\)"),
])
def test_integer_or_non_array_input(call, message):
    with pytest.raises(TypeError, match=message):
        call()


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d_forward(X[0], W), r"conv2d: expected x of shape \(N, C, H, W\), got shape \(3, 8, 8\)"),
    (lambda: F.conv2d_forward(X, W, np.zeros(3)), r"conv2d: expected b of shape \(4,\), one per filter, got shape \(3,\)"),
    (lambda: F.conv2d_forward(X, W, stride=0), r"conv2d: expected stride >= 1, got 0"),
    (lambda: F.linear_forward(X, np.ones((100, 2))),
     r"linear: expected each example of x to hold D = w.shape\[0\] = 100 numbers, got x of shape "
     r"\(2, 3, 8, 8\) \(192 numbers per example\)"),
    (lambda: F.max_pool_forward(X, 2, pad=2), r"max_pool: pad should be at most half the kernel size"),
    (lambda: F.avg_pool_forward(X, 3), r"avg_pool: stride 3 does not fit along the height"),
    (lambda: F.softmax_cross_entropy_forward(np.zeros((2, 3)), np.array([0, 3])),
     r"softmax_cross_entropy: expected labels in 0..2, got \[3\]"),
    (lambda: F.softmax_cross_entropy_forward(np.zeros((2, 3)), np.array([0])),
     r"softmax_cross_entropy: expected y of shape \(2,\) to match x of shape \(2, 3\), got shape \(1,\)"),
    (lambda: F.softmax_cross_entropy_forward(np.zeros((2, 3)), np.ones((2, 3))),
     r"softmax_cross_entropy: expected each row of one-hot y to be non-negative and sum to 1"),
    (lambda: F.batchnorm_forward(np.zeros((4, 3)), np.ones(2), np.zeros(3)),
     r"batchnorm: expected gamma of shape \(3,\), got shape \(2,\)"),
    (lambda: F.batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(3), train=False),
     r"batchnorm: eval mode \(train=False\) needs running_mean, got None"),
    (lambda: F.spatial_batchnorm_forward(np.zeros((1, 3, 1, 1)), np.ones(3), np.zeros(3)),
     r"spatial_batchnorm: train mode needs at least 2 values per feature"),
    (lambda: F.dropout_forward(X, 1.0, rng=rng), r"dropout: expected a drop probability p in \[0, 1\), got 1.0"),
])
def test_bad_shapes_and_values(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_float_labels_are_refused():
    with pytest.raises(TypeError, match=r"softmax_cross_entropy: expected integer class labels y of shape \(N,\), got dtype float64"):
        F.softmax_cross_entropy_forward(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_dropout_needs_a_generator_in_train_mode():
    with pytest.raises(TypeError, match=r"dropout: train mode needs rng, a numpy.random.Generator"):
        F.dropout_forward(X, 0.5)


def test_backward_with_wrong_dout_shape():
    out, cache = F.conv2d_forward(X, W, pad=1)
    with pytest.raises(ValueError, match=r"conv2d: expected dout \(same as the forward output\) of shape "
                                         r"\(2, 4, 8, 8\), got shape \(2, 4, 6, 6\)"):
        F.conv2d_backward(np.zeros((2, 4, 6, 6)), cache)


@pytest.mark.parametrize("call, error, message", [
    (lambda: G.numerical_gradient(lambda x: x.sum(), np.array([1.0, np.nan])), ValueError,
     r"numerical_gradient: x holds NaN or inf"),
    (lambda: G.check_function(F.relu_forward, F.relu_backward, dict(x=np.array([np.inf]))), ValueError,
     r"check_function: x holds NaN or inf"),
    (lambda: G.check_function(F.relu_forward, F.relu_backward, dict(x=np.ones(3, np.float32))), TypeError,
     r"check_function: gradient checks need float64, got x of dtype float32"),
    (lambda: G.check_layer(L.ReLU(), np.ones(3, dtype=int)), TypeError,
     r"check_layer\(ReLU\): expected x with a floating-point dtype, got int"),
    (lambda: G.check_layer(L.Linear(3, 2, rng=rng), np.ones((1, 3))), TypeError,
     r"check_layer\(Linear\): gradient checks need float64, got w of dtype float32"),
    (lambda: G.numerical_vjp(np.sin, np.ones(3), np.ones(3), h=0.0), ValueError,
     r"numerical_vjp: expected a step h > 0, got 0.0"),
    (lambda: G.numerical_gradient(np.sin, np.ones(3)), ValueError,
     r"numerical_gradient: expected f to return a scalar"),
    (lambda: G.rel_error(np.ones(2), np.ones(3)), ValueError,
     r"rel_error: expected arrays of the same shape, got \(2,\) and \(3,\)"),
])
def test_checker_refuses_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_layer_errors():
    with pytest.raises(RuntimeError, match=r"Linear.backward: call forward first"):
        L.Linear(3, 2, rng=rng).backward(np.ones((1, 2)))
    with pytest.raises(TypeError, match=r"Sequential: item 1 is function, expected a layer"):
        L.Sequential(L.ReLU(), lambda x: x)
    with pytest.raises(ValueError, match=r"Sequential: duplicate layer name 'a'"):
        L.Sequential(("a", L.ReLU()), ("a", L.Tanh()))
    with pytest.raises(ValueError, match=r"initialize: unknown init 'lecun'; expected one of"):
        initialize((3, 2), "lecun", rng, np.float32)
    with pytest.raises(TypeError, match=r"initialize: expected rng to be a numpy.random.Generator"):
        L.Linear(3, 2, rng=0)
    with pytest.raises(TypeError, match=r"Dropout: expected rng to be a numpy.random.Generator, got NoneType"):
        L.Dropout(0.5, rng=None)
