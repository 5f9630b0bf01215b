"""Optimizers against torch.optim on the same gradient sequences (optional, marked torch).

Both sides start from the same float64 parameters and receive the same
random gradients for 25 steps; the parameters must agree to ~1e-12: the
update formulas are the same, only rounding (operation order) differs.
Also checks float32, where the two agree to a few float32 ulps.
"""

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; `make oracle` installs it for this optional cross-check")

from cnnlab.optim import SGD, Adam, RMSProp  # noqa: E402

pytestmark = pytest.mark.torch


class Toy:
    def __init__(self, rng, dtype):
        self.params = {"conv.w": rng.standard_normal((4, 2, 3, 3)).astype(dtype),
                       "conv.b": rng.standard_normal(4).astype(dtype),
                       "fc.w": rng.standard_normal((7, 5)).astype(dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def named_params(self):
        return dict(self.params)

    def named_grads(self):
        return dict(self.grads)


CASES = [
    (SGD, torch.optim.SGD, dict(lr=0.1)),
    (SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    (SGD, torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.5, weight_decay=0.1)),
    (Adam, torch.optim.Adam, dict(lr=0.01)),
    (Adam, torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    (RMSProp, torch.optim.RMSprop, dict(lr=0.01)),
    (RMSProp, torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, momentum=0.9, weight_decay=0.1)),
    (RMSProp, torch.optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
]


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("ours, theirs, kw", CASES, ids=lambda v: getattr(v, "__name__", None) or str(v))
def test_same_parameters_as_torch_optim(ours, theirs, kw, dtype, tol):
    rng = np.random.default_rng(0)
    model = Toy(rng, dtype)
    tensors = [torch.tensor(v.copy(), requires_grad=True) for v in model.params.values()]
    opt, ref = ours(model, **kw), theirs(tensors, **kw)
    for step in range(25):
        model.grads = {k: rng.standard_normal(v.shape).astype(dtype) for k, v in model.params.items()}
        for g, t in zip(model.grads.values(), tensors):
            t.grad = torch.tensor(g.copy())
        opt.step()
        ref.step()
    for (name, p), t in zip(model.params.items(), tensors):
        assert p.dtype == dtype
        expected = t.detach().numpy()
        assert np.max(np.abs(p - expected)) <= tol * max(1.0, np.max(np.abs(expected))), name


@pytest.mark.parametrize("ours, theirs, kw", CASES[1:2] + CASES[4:5], ids=["SGD", "Adam"])
def test_state_matches_torch_state(ours, theirs, kw):
    """Our buffers hold the same numbers as torch's (momentum_buffer / exp_avg / exp_avg_sq)."""
    rng = np.random.default_rng(1)
    model = Toy(rng, np.float64)
    tensors = [torch.tensor(v.copy(), requires_grad=True) for v in model.params.values()]
    opt, ref = ours(model, **kw), theirs(tensors, **kw)
    for _ in range(3):
        model.grads = {k: rng.standard_normal(v.shape) for k, v in model.params.items()}
        for g, t in zip(model.grads.values(), tensors):
            t.grad = torch.tensor(g.copy())
        opt.step()
        ref.step()
    torch_names = {"velocity": "momentum_buffer", "exp_avg": "exp_avg", "exp_avg_sq": "exp_avg_sq"}
    for buffer, arrays in opt.state.items():
        for (name, ours_value), t in zip(arrays.items(), tensors):
            theirs_value = ref.state[t][torch_names[buffer]].numpy()
            assert np.allclose(ours_value, theirs_value, rtol=1e-12, atol=1e-14), f"{buffer}.{name}"
