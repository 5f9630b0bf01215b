"""Layer classes: gradient checks through the class API, explicit state, save and load."""

import io

import numpy as np
import pytest

from cnnlab import layers as L
from cnnlab.gradcheck import check_layer
from conftest import away_from_zero, distinct_values


def make(name, rng):
    """A float64 layer and an input that suits it (kinks and ties kept far away)."""
    images = rng.standard_normal((3, 2, 6, 6))
    return {
        "Linear": (L.Linear(72, 4, rng=rng), images),
        "Linear_no_bias": (L.Linear(72, 4, rng=rng, bias=False), images),
        "Conv2d": (L.Conv2d(2, 3, (3, 2), rng=rng, stride=(1, 2), pad=(1, 0)), images),
        "Conv2d_naive": (L.Conv2d(2, 3, 3, rng=rng, pad=1, naive=True), images),
        "MaxPool2d": (L.MaxPool2d(3, stride=1, pad=1), distinct_values(rng, images.shape, 0.1)),
        "AvgPool2d": (L.AvgPool2d(2), images),
        "ReLU": (L.ReLU(), away_from_zero(images)),
        "Sigmoid": (L.Sigmoid(), images),
        "Tanh": (L.Tanh(), images),
        "Softmax": (L.Softmax(), images.reshape(3, -1)[:, :5]),
        "BatchNorm1d": (L.BatchNorm1d(72), images.reshape(3, -1)),
        "BatchNorm2d": (L.BatchNorm2d(2), images),
        "Dropout": (L.Dropout(0.4, rng=np.random.default_rng(5)), images),
        "Flatten": (L.Flatten(), images),
    }[name]


SMOOTH = {"Sigmoid", "Tanh", "Softmax", "BatchNorm1d", "BatchNorm2d"}
NAMES = ["Linear", "Linear_no_bias", "Conv2d", "Conv2d_naive", "MaxPool2d", "AvgPool2d", "ReLU",
         "Sigmoid", "Tanh", "Softmax", "BatchNorm1d", "BatchNorm2d", "Dropout", "Flatten"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("training", [True, False])
def test_every_layer_passes_its_gradient_check(name, training):
    rng = np.random.default_rng(0)
    layer, x = make(name, rng)
    layer.astype(np.float64).train(training)
    options = dict(h=3e-3, richardson=True) if name in SMOOTH else dict(h=0.02)
    report = check_layer(layer, x, rng=rng, threshold=1e-7, **options)
    report.assert_passed()
    assert [c.name for c in report.checks] == ["x", *layer.named_params()]


@pytest.mark.parametrize("name", ["BatchNorm2d", "Dropout"])
def test_gradient_check_leaves_the_layer_exactly_as_it_was(name):
    layer, x = make(name, np.random.default_rng(0))
    layer.astype(np.float64)
    layer.forward(x)
    layer.backward(np.ones_like(x))
    before = layer.state_dict()
    grads_before = {k: v.copy() for k, v in layer.named_grads().items()}
    rng_states = [g.bit_generator.state for g in layer.generators()]
    check_layer(layer, x).assert_passed()
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)  # params and running stats
    for key, value in layer.named_grads().items():
        np.testing.assert_array_equal(value, grads_before[key], err_msg=key)
    assert [g.bit_generator.state for g in layer.generators()] == rng_states


def lenet_like(rng, batchnorm=True):
    return L.Sequential(
        ("conv1", L.Conv2d(1, 4, 5, rng=rng, pad=2, bias=not batchnorm)),
        *([("bn1", L.BatchNorm2d(4))] if batchnorm else []),
        ("relu1", L.ReLU()),
        ("pool1", L.MaxPool2d(2)),
        ("conv2", L.Conv2d(4, 6, 3, rng=rng)),
        ("relu2", L.ReLU()),
        ("flatten", L.Flatten()),
        ("drop", L.Dropout(0.25, rng=rng)),
        ("fc", L.Linear(6 * 2 * 2, 10, rng=rng)),
    )


def test_sequential_gradient_check_through_every_layer():
    rng = np.random.default_rng(1)
    net = lenet_like(rng).astype(np.float64)
    x = rng.standard_normal((4, 1, 8, 8))
    report = check_layer(net, x, rng=rng, h=1e-5, threshold=1e-6, num_checks=40)
    report.assert_passed()
    assert [c.name for c in report.checks][1:] == list(net.named_params())


def test_sequential_names_and_lookup():
    net = lenet_like(np.random.default_rng(0))
    assert list(net.named_params()) == ["conv1.w", "bn1.gamma", "bn1.beta", "conv2.w", "conv2.b",
                                        "fc.w", "fc.b"]
    assert list(net.named_buffers()) == ["bn1.running_mean", "bn1.running_var"]
    assert net["fc"] is net[-1]
    assert net.num_params() == 4 * 25 + 8 + 6 * 4 * 9 + 6 + 24 * 10 + 10
    assert len(net.generators()) == 1
    anonymous = L.Sequential(L.Linear(2, 2, rng=np.random.default_rng(0)), L.ReLU())
    assert list(anonymous.named_params()) == ["0.w", "0.b"]
    with pytest.raises(KeyError, match="Sequential has no layer 'fc9'"):
        net["fc9"]


def test_train_and_eval_reach_every_layer():
    net = lenet_like(np.random.default_rng(0))
    net.eval()
    assert not any(layer.training for _, layer in net.children())
    net.train()
    assert all(layer.training for _, layer in net.children())


def test_state_dict_round_trip_through_npz_without_pickle():
    rng = np.random.default_rng(0)
    net = lenet_like(rng)
    net.forward(rng.standard_normal((4, 1, 8, 8)).astype(np.float32))  # moves the running stats
    buffer = io.BytesIO()
    np.savez(buffer, **net.state_dict())
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as saved:
        other = lenet_like(np.random.default_rng(99))
        other.load_state_dict(dict(saved))
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[key], value, err_msg=key)
    x = rng.standard_normal((2, 1, 8, 8)).astype(np.float32)
    np.testing.assert_array_equal(net.eval().forward(x), other.eval().forward(x))


def test_state_dict_is_a_copy_and_load_copies_in():
    layer = L.Linear(3, 2, rng=np.random.default_rng(0))
    state = layer.state_dict()
    state["w"][:] = 7  # editing the saved copy leaves the layer alone
    assert not np.any(layer.params["w"] == 7)
    layer.load_state_dict(state)
    state["w"][:] = 8  # and the layer does not alias what it loaded
    np.testing.assert_array_equal(layer.params["w"], 7)


def test_load_state_dict_names_the_mismatch_and_changes_nothing():
    net = lenet_like(np.random.default_rng(0))
    before = net.state_dict()
    bad = dict(before, **{"fc.w": np.zeros((25, 10), np.float32), "conv1.w": np.ones((4, 1, 5, 5))})
    with pytest.raises(ValueError, match=r"parameter 'fc.w' has shape \(24, 10\) in the layer but "
                                         r"\(25, 10\) in the state dict"):
        net.load_state_dict(bad)
    for key, value in net.state_dict().items():
        np.testing.assert_array_equal(value, before[key])  # conv1.w was not half-loaded
    missing = {k: v for k, v in before.items() if k != "bn1.running_var"}
    with pytest.raises(ValueError, match=r"keys do not match; missing \['bn1.running_var'\], unexpected \[\]"):
        net.load_state_dict(missing)


def test_backward_fills_grads_with_parameter_shapes():
    rng = np.random.default_rng(0)
    net = lenet_like(rng)
    out = net.forward(rng.standard_normal((2, 1, 8, 8)).astype(np.float32))
    net.backward(np.ones_like(out))
    for name, param in net.named_params().items():
        grad = net.named_grads()[name]
        assert grad.shape == param.shape and grad.dtype == np.float32, name
    net.zero_grad()
    assert all(not g.any() for g in net.named_grads().values())


def test_same_seed_same_network():
    a, b = lenet_like(np.random.default_rng(3)), lenet_like(np.random.default_rng(3))
    for key, value in a.state_dict().items():
        np.testing.assert_array_equal(value, b.state_dict()[key])


def test_loss_layer():
    loss_layer = L.SoftmaxCrossEntropyLoss()
    scores = np.zeros((4, 10))
    assert loss_layer(scores, np.arange(4)) == pytest.approx(np.log(10))
    np.testing.assert_allclose(loss_layer.backward(), (np.full((4, 10), 0.1) - np.eye(10)[:4]) / 4)
    np.testing.assert_allclose(loss_layer.probabilities, 0.1)


def test_repr_reads_like_the_architecture():
    text = repr(lenet_like(np.random.default_rng(0)))
    assert "(conv1): Conv2d(1, 4, kernel_size=(5, 5), stride=(1, 1), pad=(2, 2), bias=False)" in text
    assert "(pool1): MaxPool2d(kernel_size=2, stride=2, pad=0)" in text
