"""train_step: the whole of training in one call; fit is that step repeated."""

from types import SimpleNamespace

import numpy as np

from cnnlab.layers import SoftmaxCrossEntropyLoss
from cnnlab.models import MLP
from cnnlab.optim import SGD, Adam
from cnnlab.train import fit, train_step


def _batch(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 28, 28)), rng.integers(0, 10, n)


def test_one_step_is_forward_loss_backward_and_update():
    x, y = _batch()
    model = MLP((784, 16, 10), rng=np.random.default_rng(1), dtype=np.float64)
    twin = MLP((784, 16, 10), rng=np.random.default_rng(2), dtype=np.float64)
    twin.load_state_dict(model.state_dict())
    loss = SoftmaxCrossEntropyLoss()
    value, scores = train_step(model, x, y, optimizer=SGD(model, lr=0.1), loss=loss)

    by_hand = SoftmaxCrossEntropyLoss()
    expected_scores = twin.forward(x)
    expected = by_hand.forward(expected_scores, y)
    twin.backward(by_hand.backward())
    assert isinstance(value, float) and value == expected, "the loss before the update"
    np.testing.assert_array_equal(scores, expected_scores)
    for name, w in twin.named_params().items():
        np.testing.assert_allclose(model.named_params()[name], w - 0.1 * twin.named_grads()[name],
                                   rtol=0, atol=1e-15, err_msg=name)


def test_a_nan_loss_changes_no_weight_and_no_optimizer_state():
    x, y = _batch()
    x[3, 0, 5, 5] = np.nan
    model = MLP((784, 16, 10), rng=np.random.default_rng(1))
    optimizer = Adam(model, lr=1e-3)
    before, state = model.state_dict(), optimizer.state_dict()
    value, _ = train_step(model, x, y, optimizer=optimizer, loss=SoftmaxCrossEntropyLoss())
    assert np.isnan(value)
    assert all(np.array_equal(v, before[k]) for k, v in model.state_dict().items())
    assert optimizer.state_dict()["step"] == state["step"]


def test_fit_is_train_step_on_shuffled_batches():
    x, y = _batch(40)
    a = MLP((784, 16, 10), rng=np.random.default_rng(1))
    b = MLP((784, 16, 10), rng=np.random.default_rng(1))
    fit(a, SimpleNamespace(x_train=x, y_train=y), optimizer=SGD(a, lr=0.1, momentum=0.9),
        num_epochs=2, batch_size=16, rng=np.random.default_rng(5), progress=False)
    rng, optimizer, loss = np.random.default_rng(5), SGD(b, lr=0.1, momentum=0.9), SoftmaxCrossEntropyLoss()
    b.train()
    for _ in range(2):
        order = rng.permutation(40)
        for start in range(0, 40, 16):
            part = order[start:start + 16]
            train_step(b, x[part], y[part], optimizer=optimizer, loss=loss)
    for name, w in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[name], w, err_msg=name)
