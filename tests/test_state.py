"""eval_mode and Snapshot: looking at a model leaves it as it was, fast path included."""

import numpy as np
import pytest

from cnnlab.layers import NO_CACHE, Snapshot, SoftmaxCrossEntropyLoss, eval_mode
from cnnlab.models import LeNet5


def _pair(fast):
    """Two identical float64 LeNet-5s with batch norm and dropout, generators in the same state."""
    a = LeNet5(rng=np.random.default_rng(0), batchnorm=True, dropout=0.5, dtype=np.float64, fast=fast)
    b = LeNet5(rng=np.random.default_rng(1), batchnorm=True, dropout=0.5, dtype=np.float64, fast=fast)
    b.load_state_dict(a.state_dict())
    b["drop1"].rng.bit_generator.state = a["drop1"].rng.bit_generator.state
    return a, b


@pytest.mark.parametrize("fast", [False, True])
def test_eval_mode_restores_modes_caches_buffers_and_generators(fast):
    rng = np.random.default_rng(2)
    x, other, y = rng.random((4, 1, 28, 28)), rng.random((3, 1, 28, 28)), np.array([0, 1, 2, 3])
    model, twin = _pair(fast)
    grads = []
    for net, peek in ((twin, False), (model, True)):
        net.train()
        net["fc2"].training = False  # a mixed state comes back layer by layer
        loss = SoftmaxCrossEntropyLoss()
        loss.forward(net.forward(x), y)          # a backward is due...
        if peek:
            buffers = {k: v.copy() for k, v in net.named_buffers().items()}
            state = net["drop1"].rng.bit_generator.state
            with eval_mode(net) as inside:
                assert inside is net and not any(m.training for _, m in net.layers)
                net.forward(other)               # ...a look in between, in eval mode
            assert net.training and not net["fc2"].training and net["fc1"].training
            assert all(np.array_equal(v, buffers[k]) for k, v in net.named_buffers().items())
            assert net["drop1"].rng.bit_generator.state == state
        net.backward(loss.backward())            # ...differentiates the training batch
        grads.append({k: v.copy() for k, v in net.named_grads().items()})
    for name, grad in grads[0].items():
        np.testing.assert_array_equal(grads[1][name], grad, err_msg=name)


def test_eval_mode_restores_after_an_error_and_gives_back_no_cache_where_there_was_none():
    model = LeNet5(rng=np.random.default_rng(0), fast=True).train()
    with pytest.raises(ValueError, match="conv2d: x has 3 channels"):
        with eval_mode(model):
            model.forward(np.zeros((2, 1, 28, 28), np.float32))   # caches filled inside...
            model.forward(np.zeros((2, 3, 28, 28), np.float32))
    assert model.training and all(m.training for _, m in model.layers)
    assert model["conv1"]._cache is NO_CACHE and repr(NO_CACHE) == "NO_CACHE"
    with pytest.raises(RuntimeError, match="call forward first"):  # ...and none after
        model.backward(np.zeros((2, 10), np.float32))


def test_a_snapshot_with_grads_gives_back_the_arrays_and_their_values():
    model = LeNet5(rng=np.random.default_rng(0), dtype=np.float64)
    x, y = np.random.default_rng(1).random((2, 1, 28, 28)), np.array([3, 4])
    loss = SoftmaxCrossEntropyLoss()
    loss.forward(model.forward(x), y)
    model.backward(loss.backward())
    before = model.named_grads()
    values = {k: v.copy() for k, v in before.items()}
    snapshot = Snapshot(model, grads=True)
    model.zero_grad()                                  # in place...
    loss.forward(model.forward(x[::-1]), y)
    model.backward(loss.backward())                    # ...and new arrays
    snapshot.restore()
    assert all(model.named_grads()[k] is v for k, v in before.items())
    assert all(np.array_equal(model.named_grads()[k], v) for k, v in values.items())
    snapshot.restore()  # any number of times
    assert all(np.array_equal(model.named_grads()[k], v) for k, v in values.items())
