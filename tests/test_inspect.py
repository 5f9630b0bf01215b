"""activations(): every layer's output for one forward pass, changing nothing."""

import numpy as np
import pytest

from cnnlab.inspect import activations
from cnnlab.layers import SoftmaxCrossEntropyLoss
from cnnlab.models import LeNet5
from cnnlab.train import predict_scores

LENET_SHAPES = {"conv1": (6, 28, 28), "relu1": (6, 28, 28), "pool1": (6, 14, 14),
                "conv2": (16, 10, 10), "relu2": (16, 10, 10), "pool2": (16, 5, 5), "flatten": (400,),
                "fc1": (120,), "relu3": (120,), "fc2": (84,), "relu4": (84,), "fc3": (10,)}


@pytest.mark.parametrize("fast", [False, True])
def test_activations_of_lenet5_are_its_layers_in_order(fast):
    rng = np.random.default_rng(0)
    model = LeNet5(rng=rng, fast=fast)
    x = rng.random((3, 1, 28, 28)).astype(np.float32)
    acts = activations(model, x)
    assert list(acts) == list(LENET_SHAPES)
    assert {name: out.shape[1:] for name, out in acts.items()} == LENET_SHAPES
    np.testing.assert_allclose(acts["fc3"], predict_scores(model, x), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(acts["relu1"], np.maximum(acts["conv1"], 0))
    np.testing.assert_array_equal(acts["flatten"], acts["pool2"].reshape(3, 400))
    assert not np.shares_memory(acts["flatten"], acts["pool2"]), "every entry is its own copy"


def test_activations_change_nothing():
    """Modes, running statistics, the dropout generator, the input and a pending backward survive."""
    rng = np.random.default_rng(1)
    x, other = rng.random((4, 1, 28, 28)), rng.random((2, 1, 28, 28))
    y = np.array([0, 1, 2, 3])
    model = LeNet5(rng=np.random.default_rng(2), batchnorm=True, dropout=0.5, dtype=np.float64)
    twin = LeNet5(rng=np.random.default_rng(3), batchnorm=True, dropout=0.5, dtype=np.float64)
    twin.load_state_dict(model.state_dict())
    twin["drop1"].rng.bit_generator.state = model["drop1"].rng.bit_generator.state

    grads = []
    for net, look_inside in ((twin, False), (model, True)):
        loss = SoftmaxCrossEntropyLoss()
        net.train()
        loss.forward(net.forward(x), y)             # forward done, backward due...
        if look_inside:
            buffers = {k: v.copy() for k, v in net.named_buffers().items()}
            generator = net["drop1"].rng.bit_generator.state
            before = other.copy()
            activations(net, other)                 # ...a look inside in between
            assert net.training and all(layer.training for _, layer in net.layers)
            assert net["drop1"].rng.bit_generator.state == generator
            assert all(np.array_equal(v, buffers[k]) for k, v in net.named_buffers().items())
            np.testing.assert_array_equal(other, before)
        net.backward(loss.backward())               # ...and the backward of the training forward
        grads.append(net.named_grads())
    for name, grad in grads[0].items():
        np.testing.assert_array_equal(grads[1][name], grad, err_msg=name)

    model.eval()
    np.testing.assert_allclose(activations(model, other)["fc3"], predict_scores(model, other),
                               atol=1e-12)
    assert not model.training


def test_activations_check_their_input():
    model = LeNet5(rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"activations: expected a cnnlab.layers.Sequential"):
        activations(object(), np.zeros((1, 1, 28, 28)))
    with pytest.raises(ValueError, match=r"activations: expected x of shape \(N, \.\.\.\) with N >= 1"):
        activations(model, np.zeros((0, 1, 28, 28)))
    with pytest.raises(TypeError, match="expected floating-point x"):
        activations(model, np.zeros((1, 1, 28, 28), dtype=np.uint8))
