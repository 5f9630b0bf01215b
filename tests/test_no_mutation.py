"""No forward or backward modifies its inputs or its upstream gradient."""

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab import layers as L

rng = np.random.default_rng(0)
IMAGES = rng.standard_normal((2, 3, 6, 6))

# (forward, backward, array inputs, other arguments)
CASES = {
    "linear": (F.linear_forward, F.linear_backward,
               dict(x=IMAGES, w=rng.standard_normal((108, 4)), b=rng.standard_normal(4)), {}),
    "relu": (F.relu_forward, F.relu_backward, dict(x=IMAGES), {}),
    "sigmoid": (F.sigmoid_forward, F.sigmoid_backward, dict(x=IMAGES), {}),
    "tanh": (F.tanh_forward, F.tanh_backward, dict(x=IMAGES), {}),
    "softmax": (F.softmax_forward, F.softmax_backward, dict(x=IMAGES.reshape(2, -1)), {}),
    "softmax_jacobian": (F.softmax_forward, F.softmax_backward_jacobian, dict(x=IMAGES.reshape(2, -1)), {}),
    "conv2d": (F.conv2d_forward, F.conv2d_backward,
               dict(x=IMAGES, w=rng.standard_normal((2, 3, 3, 3)), b=rng.standard_normal(2)),
               dict(stride=1, pad=1)),
    "conv2d_naive": (F.conv2d_forward_naive, F.conv2d_backward_naive,
                     dict(x=IMAGES, w=rng.standard_normal((2, 3, 3, 3)), b=rng.standard_normal(2)),
                     dict(stride=1, pad=1)),
    "max_pool": (F.max_pool_forward, F.max_pool_backward, dict(x=IMAGES), dict(kernel_size=2, pad=1)),
    "max_pool_naive": (F.max_pool_forward_naive, F.max_pool_backward_naive, dict(x=IMAGES),
                       dict(kernel_size=2, pad=1)),
    "avg_pool": (F.avg_pool_forward, F.avg_pool_backward, dict(x=IMAGES), dict(kernel_size=3, stride=1, pad=1)),
    "avg_pool_naive": (F.avg_pool_forward_naive, F.avg_pool_backward_naive, dict(x=IMAGES),
                       dict(kernel_size=3, stride=1, pad=1)),
    "batchnorm": (F.batchnorm_forward, F.batchnorm_backward,
                  dict(x=IMAGES.reshape(6, -1), gamma=rng.standard_normal(36), beta=rng.standard_normal(36)),
                  dict(running_mean=np.zeros(36), running_var=np.ones(36))),
    "batchnorm_graph": (F.batchnorm_forward, F.batchnorm_backward_graph,
                        dict(x=IMAGES.reshape(6, -1), gamma=rng.standard_normal(36), beta=rng.standard_normal(36)), {}),
    "batchnorm_eval": (F.batchnorm_forward, F.batchnorm_backward,
                       dict(x=IMAGES.reshape(6, -1), gamma=rng.standard_normal(36), beta=rng.standard_normal(36)),
                       dict(train=False, running_mean=np.zeros(36), running_var=np.ones(36))),
    "spatial_batchnorm": (F.spatial_batchnorm_forward, F.spatial_batchnorm_backward,
                          dict(x=IMAGES, gamma=rng.standard_normal(3), beta=rng.standard_normal(3)),
                          dict(running_mean=np.zeros(3), running_var=np.ones(3))),
    "dropout": (F.dropout_forward, F.dropout_backward, dict(x=IMAGES), dict(p=0.5, rng=np.random.default_rng(0))),
    "dropout_eval": (F.dropout_forward, F.dropout_backward, dict(x=IMAGES), dict(p=0.5, train=False)),
    "flatten": (F.flatten_forward, F.flatten_backward, dict(x=IMAGES), {}),
    "softmax_cross_entropy": (F.softmax_cross_entropy_forward, F.softmax_cross_entropy_backward,
                              dict(x=IMAGES.reshape(2, -1)), dict(y=np.array([3, 7]))),
    "softmax_cross_entropy_one_hot": (F.softmax_cross_entropy_forward, F.softmax_cross_entropy_backward,
                                      dict(x=IMAGES.reshape(2, -1)), dict(y=np.eye(108)[[3, 7]])),
}


def _arrays(mapping):
    return {k: v for k, v in mapping.items() if isinstance(v, np.ndarray)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_and_backward_leave_inputs_and_dout_alone(name):
    forward, backward, inputs, other = CASES[name]
    before = {k: v.copy() for k, v in _arrays({**inputs, **other}).items()}
    out, cache = forward(**inputs, **other)
    dout = np.asarray(np.random.default_rng(1).standard_normal(np.shape(out)))
    dout_before = dout.copy()
    grads = backward(dout, cache)
    # a second backward with the same cache gives the same answer: the cache is not consumed
    again = backward(dout, cache)
    for key, value in _arrays({**inputs, **other}).items():
        np.testing.assert_array_equal(value, before[key], err_msg=f"{name} modified {key}")
    np.testing.assert_array_equal(dout, dout_before, err_msg=f"{name} modified dout")
    for g, h in zip(grads, again):
        if g is not None:
            np.testing.assert_array_equal(g, h)
    # no result shares memory with an input, so a caller editing one cannot change the other
    for result in [out, *[g for g in grads if g is not None]]:
        for key, value in _arrays({**inputs, **other}).items():
            assert not np.shares_memory(result, value), f"{name}: a result aliases {key}"
        assert not np.shares_memory(result, dout), f"{name}: a result aliases dout"


def test_sequential_leaves_x_and_dout_alone():
    gen = np.random.default_rng(0)
    net = L.Sequential(L.Conv2d(3, 4, 3, rng=gen, pad=1), L.BatchNorm2d(4), L.ReLU(), L.MaxPool2d(2),
                       L.Dropout(0.2, rng=gen), L.Flatten(), L.Linear(36, 5, rng=gen)).astype(np.float64)
    x, x_before = IMAGES.copy(), IMAGES.copy()
    out = net.forward(x)
    dout = np.ones_like(out)
    net.backward(dout)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, np.ones_like(out))
