"""DeepCNN: architecture, shapes, options, a whole-model gradient check, and its fast path."""

import numpy as np
import pytest

from cnnlab.gradcheck import check_layer
from cnnlab.models import DeepCNN
from cnnlab.train import predict_scores


def test_architecture_shapes_and_parameter_count():
    model = DeepCNN(rng=np.random.default_rng(0))
    assert [name for name, _ in model.children()] == [
        "conv1", "relu1", "conv2", "relu2", "pool1", "conv3", "relu3", "conv4", "relu4", "pool2",
        "flatten", "fc1", "relu5", "fc2"]
    assert model.num_params() == 105_922  # the number in the docstring
    out = model.forward(np.zeros((3, 1, 28, 28), np.float32))
    assert out.shape == (3, 10) and out.dtype == np.float32
    text = model.summary(print_fn=None)
    assert "pool2 (MaxPool2d)  (1, 16, 7, 7)" in text and "fc1 (Linear)       (1, 128)" in text
    assert text.splitlines()[-1].split()[-1] == "105,922"


def test_channels_and_hidden_set_the_widths():
    model = DeepCNN(rng=np.random.default_rng(0), channels=(4, 6), hidden=20)
    assert model["conv2"].params["w"].shape == (4, 4, 3, 3)
    assert model["conv4"].params["w"].shape == (6, 6, 3, 3)
    assert model["fc1"].params["w"].shape == (6 * 49, 20)
    assert model.config == dict(channels=(4, 6), hidden=20, init="he", fast=False)


@pytest.mark.parametrize("options, message", [
    (dict(channels=8), r"DeepCNN: expected channels as a pair of ints, e.g. \(8, 16\), got 8"),
    (dict(channels=(8, 0)), "DeepCNN: .*channels"),
    (dict(hidden=0), "DeepCNN: .*hidden"),
])
def test_bad_options_are_named(options, message):
    with pytest.raises((ValueError, TypeError), match=message):
        DeepCNN(rng=np.random.default_rng(0), **options)


def test_whole_model_gradient_check_in_float64():
    # Small widths keep it fast; a ReLU network has kinks, so a small plain step (as
    # for LeNet-5's ReLU rows in test_models.py) and a fixed seed.
    model = DeepCNN(rng=np.random.default_rng(0), channels=(3, 4), hidden=12, dtype=np.float64)
    for name, value in model.named_params().items():
        if name.endswith(".b"):  # non-zero biases, so that their gradients are really tested
            value += 0.1 * np.random.default_rng(1).standard_normal(value.shape)
    x = np.random.default_rng(100).random((2, 1, 28, 28))
    report = check_layer(model, x, rng=np.random.default_rng(200), h=1e-5, threshold=1e-6,
                         num_checks=15)
    report.assert_passed()
    assert len(report.checks) == 1 + len(model.named_params())


def twins(dtype=np.float64):
    """A reference and a fast DeepCNN with the same non-zero weights and biases."""
    reference = DeepCNN(rng=np.random.default_rng(0), channels=(3, 5), hidden=16, dtype=dtype)
    rng = np.random.default_rng(1)
    for name, value in reference.named_params().items():
        if name.endswith(".b"):
            value += (0.1 * rng.standard_normal(value.shape)).astype(dtype)
    fast = DeepCNN(rng=np.random.default_rng(7), channels=(3, 5), hidden=16, dtype=dtype, fast=True)
    fast.load_state_dict(reference.state_dict())
    return reference, fast


def test_fast_path_gives_the_reference_numbers_in_float64():
    reference, fast = twins()
    rng = np.random.default_rng(2)
    x, dout = rng.random((4, 1, 28, 28)), rng.standard_normal((4, 10))
    x_before, dout_before = x.copy(), dout.copy()
    np.testing.assert_allclose(fast.forward(x), reference.forward(x), rtol=0, atol=1e-10)
    np.testing.assert_allclose(fast.backward(dout), reference.backward(dout), rtol=0, atol=1e-10)
    for name, grad in reference.named_grads().items():
        np.testing.assert_allclose(fast.named_grads()[name], grad, rtol=0, atol=1e-10, err_msg=name)
    np.testing.assert_array_equal(x, x_before)  # inputs never mutated
    np.testing.assert_array_equal(dout, dout_before)


def test_fast_path_skips_the_input_gradient_when_asked_and_reports_bad_input_as_its_own():
    _, fast = twins(np.float32)
    fast.forward(np.zeros((2, 1, 28, 28), np.float32))
    assert fast.backward(np.ones((2, 10), np.float32), input_grad=False) is None
    with pytest.raises(ValueError, match=r"DeepCNN: expected x of shape \(N, 1, 28, 28\), got \(2, 1, 32, 32\)"):
        fast.forward(np.zeros((2, 1, 32, 32), np.float32))
    with pytest.raises(TypeError, match="DeepCNN: expected x with a floating-point dtype"):
        fast.forward(np.zeros((2, 1, 28, 28), np.uint8))


def test_predictions_survive_a_state_dict_round_trip_and_astype():
    reference, fast = twins(np.float32)
    x = np.random.default_rng(3).random((5, 1, 28, 28)).astype(np.float32)
    fresh = DeepCNN(rng=np.random.default_rng(99), channels=(3, 5), hidden=16, fast=True)
    fresh.load_state_dict(fast.state_dict())
    np.testing.assert_array_equal(predict_scores(fresh, x), predict_scores(fast, x))
    fresh.astype(np.float64)
    np.testing.assert_allclose(predict_scores(fresh, x.astype(np.float64)), predict_scores(reference, x),
                               rtol=0, atol=1e-4)
