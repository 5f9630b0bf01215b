"""profile_step: one row per layer (or fused fast stage), medians, and the model left as it was."""

import numpy as np
import pytest

from cnnlab.models import MLP, DeepCNN, LeNet5
from cnnlab.profile import StepProfile, plot_step_profile, profile_step, profile_steps


def batch(n=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, n)


def test_reference_path_times_every_child_and_the_loss():
    model = LeNet5(rng=np.random.default_rng(0))
    x, y = batch()
    profile = profile_step(model, x, y, warmup=1, repeats=3)
    assert profile.path == "reference" and profile.batch_size == 2 and profile.repeats == 3
    assert [row.name for row in profile.layers] == [name for name, _ in model.children()] + ["loss"]
    for row in profile.layers:
        assert 0 <= row.forward < 10 and 0 <= row.backward < 10
        assert profile.samples[row.name].shape == (3, 2)
        np.testing.assert_allclose([row.forward, row.backward], np.median(profile.samples[row.name], axis=0))
    assert profile.whole > 0
    assert profile.total == pytest.approx(sum(row.forward + row.backward for row in profile.layers))
    assert 0 < profile.share("conv") < 1
    table = profile.table()
    assert "reference path, batch of 2, median of 3 steps after 1 untimed" in table
    assert "conv1" in table and "whole step" in table


@pytest.mark.parametrize("model, names", [
    (LeNet5(rng=np.random.default_rng(0), fast=True),
     ["conv1+relu1+pool1", "conv2+relu2+pool2", "flatten", "fc1", "relu3", "fc2", "relu4", "fc3", "loss"]),
    (DeepCNN(rng=np.random.default_rng(0), channels=(2, 3), hidden=8, fast=True),
     ["conv1", "relu1", "conv2+relu2+pool1", "conv3", "relu3", "conv4+relu4+pool2", "flatten", "fc1",
      "relu5", "fc2", "loss"]),
])
def test_fast_path_times_the_stages_fused_as_they_run(model, names):
    x, y = batch()
    profile = profile_step(model, x, y, warmup=0, repeats=2)  # "auto" picks the fast path
    assert profile.path == "fast"
    assert [row.name for row in profile.layers] == names


def test_a_reference_model_can_be_timed_on_the_fast_path_and_back():
    model = LeNet5(rng=np.random.default_rng(0), variant="classic")
    x, y = batch()
    fast = profile_step(model, x, y, path="fast", warmup=0, repeats=1)
    assert [row.name for row in fast.layers][:3] == ["conv1", "tanh1", "pool1"]  # nothing fused
    fast_model = LeNet5(rng=np.random.default_rng(0), fast=True)
    assert profile_step(fast_model, x, y, path="reference", warmup=0, repeats=1).layers[0].name == "conv1"


def test_the_model_and_the_batch_are_left_as_they_were():
    model = LeNet5(rng=np.random.default_rng(0), batchnorm=True, dropout=0.3, fast=True).eval()
    x, y = batch(4)
    x_before, y_before = x.copy(), y.copy()
    state = model.state_dict()
    grads = {name: grad for name, grad in model.named_grads().items()}
    generator_state = model.generators()[0].bit_generator.state
    profile_step(model, x, y, warmup=1, repeats=2)
    profile_step(model, x, y, path="reference", warmup=1, repeats=2)
    for name, value in model.state_dict().items():  # parameters and running statistics
        np.testing.assert_array_equal(value, state[name], err_msg=name)
    assert all(model.named_grads()[name] is grad for name, grad in grads.items())
    assert model.generators()[0].bit_generator.state == generator_state
    assert not any(layer.training for _, layer in model.children())
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(y, y_before)
    with pytest.raises(RuntimeError, match="call forward"):  # no stale cache to run a backward on
        model.backward(np.zeros((4, 10), np.float32))


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(path="gpu"), ValueError, r"profile_step: unknown path 'gpu'; expected one of \['auto', 'reference', 'fast'\]"),
    (dict(repeats=0), ValueError, "profile_step: expected repeats >= 1, got 0"),
    (dict(warmup=-1), ValueError, "profile_step: expected warmup >= 0, got -1"),
])
def test_bad_options_are_named(kwargs, error, message):
    x, y = batch()
    with pytest.raises(error, match=message):
        profile_step(LeNet5(rng=np.random.default_rng(0)), x, y, **kwargs)


def test_bad_inputs_are_named():
    x, y = batch()
    model = LeNet5(rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"profile_step: expected y to be 2 integer labels, shape \(2,\), got shape \(3,\)"):
        profile_step(model, x, np.zeros(3, np.int64))
    with pytest.raises(TypeError, match="profile_step: expected floating-point x"):
        profile_step(model, (x * 255).astype(np.uint8), y)
    with pytest.raises(TypeError, match="profile_step: expected a cnnlab.layers.Sequential model"):
        profile_step(model["conv1"], x, y)
    with pytest.raises(ValueError, match="profile_step: this model has no fast path"):
        profile_step(MLP(rng=np.random.default_rng(0)), x, y, path="fast")


def test_plot_draws_one_panel_per_profile_on_a_shared_time_axis():
    x, y = batch()
    model = LeNet5(rng=np.random.default_rng(0))
    profiles = [profile_step(model, x, y, path=path, warmup=0, repeats=1) for path in ("reference", "fast")]
    fig = plot_step_profile(profiles)
    axes = fig.axes
    assert len(axes) == 2 and axes[0].get_xlim() == axes[1].get_xlim()
    assert axes[0].get_xlabel() == "median time per step (ms)"
    assert axes[1].get_yticklabels()[0].get_text() == "loss"  # first layer on top
    assert isinstance(profiles[0], StepProfile)
    with pytest.raises(TypeError, match="plot_step_profile: expected a StepProfile"):
        plot_step_profile([1, 2])
    fig = plot_step_profile(profiles, labels=["slow", "quick"])
    assert fig.axes[1].get_title().startswith("quick: ")
    with pytest.raises(ValueError, match=r"plot_step_profile: expected one label per profile \(2\), got 1"):
        plot_step_profile(profiles, labels=["one"])


def test_profile_steps_times_several_runs_in_turns_and_leaves_each_model_alone():
    modern = LeNet5(rng=np.random.default_rng(0), fast=True, batchnorm=True)
    classic = LeNet5(rng=np.random.default_rng(1), variant="classic")
    x, y = batch(3)
    states = {id(m): m.state_dict() for m in (modern, classic)}
    profiles = profile_steps({"modern ref": (modern, "reference"), "modern fast": (modern, "fast"),
                              "classic": classic}, x, y, warmup=1, repeats=2)
    assert list(profiles) == ["modern ref", "modern fast", "classic"]
    assert [p.path for p in profiles.values()] == ["reference", "fast", "reference"]
    assert profiles["classic"].layers[1].name == "tanh1" and profiles["modern ref"].layers[1].name == "bn1"
    assert all(p.repeats == 2 and p.whole > 0 for p in profiles.values())
    for model in (modern, classic):
        for name, value in model.state_dict().items():  # running statistics put back too
            np.testing.assert_array_equal(value, states[id(model)][name], err_msg=name)
    with pytest.raises(TypeError, match="profile_steps: expected runs as a dict"):
        profile_steps([modern], x, y)
    with pytest.raises(ValueError, match="profile_steps: unknown path 'slow'"):
        profile_steps({"a": (modern, "slow")}, x, y)
