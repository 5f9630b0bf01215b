"""Optimizers: update formulas against hand computations, state, and errors.

The expected values are computed here from the formulas in each class's
docstring, one step at a time in float64, independently of the classes'
in-place arithmetic.
"""

import math

import numpy as np
import pytest

from cnnlab.models import MLP
from cnnlab.optim import SGD, Adam, RMSProp


class Toy:
    """Two named parameters with gradients we set by hand."""

    def __init__(self, dtype=np.float64):
        self.params = {"a.w": np.array([[1.0, -2.0], [0.5, 3.0]], dtype=dtype),
                       "a.b": np.array([0.1, -0.2, 0.3], dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def named_params(self):
        return dict(self.params)

    def named_grads(self):
        return dict(self.grads)

    def set_grads(self, rng):
        # new arrays each time, like Module.backward
        self.grads = {k: rng.standard_normal(v.shape).astype(v.dtype) for k, v in self.params.items()}


def run(opt_cls, steps=5, dtype=np.float64, **kw):
    """Run ``steps`` steps on random gradients; return (toy, params before, gradients used)."""
    toy, rng = Toy(dtype), np.random.default_rng(0)
    start = {k: v.copy() for k, v in toy.params.items()}
    opt = opt_cls(toy, **kw)
    used = []
    for _ in range(steps):
        toy.set_grads(rng)
        used.append({k: g.copy() for k, g in toy.grads.items()})
        opt.step()
    return toy, start, used, opt


# -- the formulas -----------------------------------------------------------------------------

def test_plain_sgd_is_p_minus_lr_g():
    toy, start, used, _ = run(SGD, steps=3, lr=0.1)
    for k in start:
        assert np.allclose(toy.params[k], start[k] - 0.1 * sum(g[k] for g in used), rtol=0, atol=1e-15)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_sgd_momentum_by_hand(nesterov, wd):
    lr, mu = 0.1, 0.9
    toy, start, used, _ = run(SGD, steps=4, lr=lr, momentum=mu, nesterov=nesterov, weight_decay=wd)
    for k in start:
        p, v = start[k].copy(), np.zeros_like(start[k])
        for g in used:
            d = g[k] + wd * p
            v = mu * v + d
            p = p - lr * (d + mu * v if nesterov else v)
        assert np.allclose(toy.params[k], p, rtol=1e-14, atol=1e-15)


def test_sgd_first_momentum_step_equals_plain_step():
    """The velocity starts at 0, so step 1 is p - lr * g (PyTorch starts the buffer at g)."""
    a, start, used, _ = run(SGD, steps=1, lr=0.1, momentum=0.9)
    b, _, _, _ = run(SGD, steps=1, lr=0.1)
    for k in start:
        assert np.array_equal(a.params[k], b.params[k])


@pytest.mark.parametrize("wd", [0.0, 0.1])
def test_adam_by_hand(wd):
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-6
    toy, start, used, opt = run(Adam, steps=5, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    assert opt.step_count == 5
    for k in start:
        p, m, v = start[k].copy(), np.zeros_like(start[k]), np.zeros_like(start[k])
        for t, g in enumerate(used, start=1):
            d = g[k] + wd * p
            m = b1 * m + (1 - b1) * d
            v = b2 * v + (1 - b2) * d * d
            m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        assert np.allclose(toy.params[k], p, rtol=1e-13, atol=1e-15)


def test_adam_first_step_moves_each_weight_by_about_lr():
    """Bias correction: at step 1, m_hat = g and v_hat = g^2, so the update is lr * g / (|g| + eps)."""
    toy, start, used, _ = run(Adam, steps=1, lr=0.01)
    for k in start:
        g = used[0][k]
        assert np.allclose(start[k] - toy.params[k], 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-12)


@pytest.mark.parametrize("momentum, centered, wd", [(0.0, False, 0.0), (0.9, False, 0.1),
                                                    (0.0, True, 0.0), (0.5, True, 0.01)])
def test_rmsprop_by_hand(momentum, centered, wd):
    lr, alpha, eps = 0.01, 0.9, 1e-8
    toy, start, used, _ = run(RMSProp, steps=5, lr=lr, alpha=alpha, eps=eps, momentum=momentum,
                              centered=centered, weight_decay=wd)
    for k in start:
        p = start[k].copy()
        s, ga, b = (np.zeros_like(p) for _ in range(3))
        for g in used:
            d = g[k] + wd * p
            s = alpha * s + (1 - alpha) * d * d
            ga = alpha * ga + (1 - alpha) * d
            r = np.sqrt(s - ga * ga if centered else s) + eps
            if momentum:
                b = momentum * b + d / r
                p = p - lr * b
            else:
                p = p - lr * d / r
        assert np.allclose(toy.params[k], p, rtol=1e-13, atol=1e-15)


# -- efficiency and hygiene --------------------------------------------------------------------

@pytest.mark.parametrize("opt_cls, kw", [
    (SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (Adam, dict(weight_decay=0.1)),
    (RMSProp, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
])
def test_float32_stays_float32_in_place_and_gradients_untouched(opt_cls, kw):
    toy, rng = Toy(np.float32), np.random.default_rng(1)
    arrays = {k: v for k, v in toy.params.items()}
    opt = opt_cls(toy, **kw)
    for _ in range(3):
        toy.set_grads(rng)
        grads = {k: g.copy() for k, g in toy.grads.items()}
        opt.step()
        for k in toy.params:
            assert toy.params[k] is arrays[k], "parameters must be updated in place"
            assert toy.params[k].dtype == np.float32
            assert np.array_equal(toy.grads[k], grads[k]), "step must not modify the gradients"
    for buffers in opt.state.values():
        assert all(v.dtype == np.float32 for v in buffers.values())


def test_sgd_without_momentum_keeps_no_state():
    _, _, _, opt = run(SGD, steps=1, lr=0.1)
    assert opt.state == {}
    assert sorted(opt.state_dict()) == ["lr", "momentum", "nesterov", "step", "type", "weight_decay"]


def test_lr_attribute_is_used_by_the_next_step():
    toy, rng = Toy(), np.random.default_rng(0)
    opt = SGD(toy, lr=0.1)
    toy.set_grads(rng)
    before = toy.params["a.b"].copy()
    opt.lr = 0.5
    opt.step()
    assert np.allclose(toy.params["a.b"], before - 0.5 * toy.grads["a.b"])


def test_works_on_a_real_model():
    model = MLP((6, 32, 3), rng=np.random.default_rng(0))
    x, y = np.random.default_rng(1).standard_normal((8, 6)).astype(np.float32), np.arange(8) % 3
    from cnnlab.layers import SoftmaxCrossEntropyLoss
    loss = SoftmaxCrossEntropyLoss()
    opt = Adam(model, lr=1e-2)
    first = float(loss(model.forward(x), y))
    for _ in range(100):
        loss(model.forward(x), y)
        model.backward(loss.backward())
        opt.step()
    assert float(loss(model.forward(x), y)) < first / 4


# -- state dicts --------------------------------------------------------------------------------

@pytest.mark.parametrize("opt_cls, kw, buffers", [
    (SGD, dict(lr=0.1, momentum=0.9), ["velocity"]),
    (Adam, dict(lr=0.01), ["exp_avg", "exp_avg_sq"]),
    (RMSProp, dict(lr=0.01, momentum=0.5, centered=True), ["square_avg", "velocity", "grad_avg"]),
])
def test_state_dict_round_trip_continues_identically(opt_cls, kw, buffers):
    toy, start, used, opt = run(opt_cls, steps=3, **kw)
    state = opt.state_dict()
    assert state["type"] == opt_cls.__name__ and state["step"] == 3 and state["lr"] == kw["lr"]
    assert {k.split(".", 1)[0] for k in state if "." in k} == set(buffers)
    assert f"{buffers[0]}.a.w" in state
    # a second optimizer on a copy of the model, loaded from the state, continues identically
    twin = Toy()
    twin.params = {k: v.copy() for k, v in toy.params.items()}
    other = opt_cls(twin, **kw)
    other.load_state_dict({k: (np.asarray(v) if not isinstance(v, np.ndarray) else v)
                           for k, v in state.items()})  # scalars as 0-d arrays, as from an .npz
    rng = np.random.default_rng(5)
    for _ in range(2):
        toy.set_grads(rng)
        twin.grads = {k: g.copy() for k, g in toy.grads.items()}
        opt.step()
        other.step()
    for k in toy.params:
        assert np.array_equal(toy.params[k], twin.params[k])
    # the state dict holds copies, not the live buffers
    state["step"] = 99
    assert opt.step_count == 5


def test_load_state_dict_with_other_hyperparameters_names_them():
    _, _, _, opt = run(SGD, steps=1, lr=0.1, momentum=0.9)
    other = SGD(Toy(), lr=0.1, momentum=0.5)
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: the state was saved with momentum=0.9 "
                                         r"but this SGD has momentum=0.5"):
        other.load_state_dict(opt.state_dict())


def test_load_state_dict_wrong_shape_names_the_buffer():
    _, _, _, opt = run(SGD, steps=1, lr=0.1, momentum=0.9)
    state = opt.state_dict()
    state["velocity.a.w"] = np.zeros((3, 3))
    fresh = SGD(Toy(), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"'velocity.a.w' has shape \(2, 2\) in the optimizer but \(3, 3\)"):
        fresh.load_state_dict(state)
    assert fresh.step_count == 0, "a failed load changes nothing"


def test_load_state_dict_from_another_optimizer_type():
    _, _, _, opt = run(Adam, steps=1)
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: the state was saved by 'Adam'"):
        SGD(Toy(), lr=0.1).load_state_dict(opt.state_dict())


# -- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, error, message", [
    (lambda m: SGD(m, lr=0.1, momentun=0.9), TypeError,
     r"SGD: unknown option 'momentun' \(did you mean 'momentum'\?\); expected one of"),
    (lambda m: Adam(m, lr=1e-3, beta=(0.9, 0.99)), TypeError, r"Adam: unknown option 'beta'"),
    (lambda m: RMSProp(m, lr=0.01, rho=0.9), TypeError, r"RMSProp: unknown option 'rho'"),
    (lambda m: SGD(m, lr=-1), ValueError, r"SGD: expected lr in \[0, inf\), got -1.0"),
    (lambda m: SGD(m, lr="0.1"), TypeError, r"SGD: expected lr to be a real number, got '0.1'"),
    (lambda m: SGD(m, lr=0.1, momentum=1.5), ValueError, r"SGD: expected momentum in \[0, 1\)"),
    (lambda m: SGD(m, lr=0.1, nesterov=True), ValueError, r"SGD: nesterov=True needs momentum > 0"),
    (lambda m: Adam(m, betas=0.9), TypeError, r"Adam: expected betas to be a pair"),
    (lambda m: Adam(m, eps=0), ValueError, r"Adam: expected eps in \(0, inf\)"),
    (lambda m: RMSProp(m, lr=0.01, alpha=1.0), ValueError, r"RMSProp: expected alpha in \[0, 1\)"),
    (lambda m: SGD(object(), lr=0.1), TypeError, r"SGD: expected a model with named_params\(\)"),
])
def test_bad_options_raise_naming_the_class(make, error, message):
    with pytest.raises(error, match=message):
        make(Toy())


def test_setting_a_bad_lr_raises():
    opt = SGD(Toy(), lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: expected lr in \[0, inf\), got nan"):
        opt.lr = math.nan


def test_step_after_converting_the_model_says_what_to_do():
    model = MLP((4, 3, 2), rng=np.random.default_rng(0))
    opt = SGD(model, lr=0.1)
    model.astype(np.float64)
    with pytest.raises(ValueError, match=r"SGD.step: parameter 'fc1.w' is now \(4, 3\) float64 .* "
                                         r"build the optimizer after converting the model"):
        opt.step()
    assert opt.step_count == 0
