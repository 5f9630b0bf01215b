"""Notebook 08, optimizers and initialisation: one Adam step, and He's standard deviation."""

from __future__ import annotations

import numpy as np

from ...init import fans
from ...optim import Adam
from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import mistake, randn

# -- Adam --------------------------------------------------------------------------------


class _OneParameter:
    """The smallest model cnnlab.optim accepts: one parameter "p" and its gradient."""

    def __init__(self, p):
        self.params = {"p": np.array(p, dtype=np.float64)}
        self.grads = {"p": np.zeros_like(self.params["p"])}

    def named_params(self):
        return self.params

    def named_grads(self):
        return self.grads


def adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of the library's Adam at step t (1, 2, ...); m, v after step t - 1.

    Returns (p, m, v) after the step, new arrays: what cnnlab.optim.Adam does to a
    parameter whose moving averages are m and v after t - 1 steps.
    """
    model = _OneParameter(p)
    adam = Adam(model, lr=lr, betas=(beta1, beta2), eps=eps)
    state = adam.state_dict()
    state.update({"exp_avg.p": m, "exp_avg_sq.p": v, "step": t - 1})
    adam.load_state_dict(state)
    model.grads["p"][...] = g
    adam.step()
    return model.params["p"], adam.state["exp_avg"]["p"].copy(), adam.state["exp_avg_sq"]["p"].copy()


def _adam_args(rng, shape, t):
    return (randn(rng, *shape), randn(rng, *shape), 0.1 * randn(rng, *shape), 0.01 * rng.random(shape), t)


def adam_cases(rng):
    first = (randn(rng, 2, 3), randn(rng, 2, 3), np.zeros((2, 3)), np.zeros((2, 3)), 1)
    return [
        Case(_("shape (3, 3), step 5"), _adam_args(rng, (3, 3), 5)),
        Case(_("the first step: m = v = 0, t = 1"), first),
        Case(_("step 50, lr 0.01, betas (0.8, 0.99)"), _adam_args(rng, (4,), 50),
             dict(lr=0.01, beta1=0.8, beta2=0.99)),
        Case(_("step 1000, shape (2, 2, 2)"), _adam_args(rng, (2, 2, 2), 1000)),
        Case(_("eps 1e-3"), _adam_args(rng, (3,), 7), dict(eps=1e-3)),
    ]


def _adam(p, g, m, v, t, lr, beta1, beta2, eps, *, correct=True, swap=False, square=True, sign=-1):
    if swap:
        beta1, beta2 = 1 - beta1, 1 - beta2
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * (g * g if square else g)
    m_hat = m_new / (1 - beta1 ** t) if correct else m_new
    v_hat = v_new / (1 - beta2 ** t) if correct else v_new
    return p + sign * lr * m_hat / (np.sqrt(v_hat) + eps), m_new, v_new


def _no_bias_correction(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(p, g, m, v, t, lr, beta1, beta2, eps, correct=False)


def _betas_swapped(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(p, g, m, v, t, lr, beta1, beta2, eps, swap=True)


def _g_not_squared(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(p, g, m, v, t, lr, beta1, beta2, eps, square=False)


def _ascent(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(p, g, m, v, t, lr, beta1, beta2, eps, sign=1)


def _old_moments(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    return _adam(p, g, m, v, t, lr, beta1, beta2, eps)[0], m.copy(), v.copy()


register(Exercise(
    id="adam_step", notebook="08", kind="function", points=1,
    title=N_("adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8): one bias-corrected Adam "
             "step at step t (1, 2, ...), returns new (p, m, v)"),
    reference=adam_step, cases=adam_cases,
    mistakes=(
        mistake("no bias correction",
                N_("the step uses m and v as they are: both start at 0, so divide them by 1 - beta1**t and "
                   "1 - beta2**t (the bias correction)"), _no_bias_correction),
        mistake("beta and 1 - beta swapped",
                N_("the moving averages give the new gradient the weight beta: the old average keeps beta, "
                   "the new gradient gets 1 - beta"), _betas_swapped),
        mistake("g not squared in v",
                N_("v averages g itself: the second moment averages g * g, so that sqrt(v) is a gradient "
                   "size"),
                _g_not_squared),
        mistake("step uphill", N_("the parameter moved along the gradient: subtract the step to descend"),
                               _ascent),
        mistake("moments not updated",
                N_("the returned m and v are the old ones: return the moving averages after this step's "
                   "update"),
                _old_moments),
    ),
))

# -- He initialisation -------------------------------------------------------------------


def he_std(shape):
    """Standard deviation of He/Kaiming normal initialisation, sqrt(2 / fan_in)."""
    return np.sqrt(2 / fans(shape)[0])


def he_cases(rng):
    d, m = (int(n) for n in rng.integers(2, 1000, size=2))
    return [
        Case(_("linear (784, 128)"), ((784, 128),)),
        Case(_("LeNet's first conv (6, 1, 5, 5)"), ((6, 1, 5, 5),)),
        Case(_("conv (16, 6, 5, 5)"), ((16, 6, 5, 5),)),
        Case(_("rectangular kernel (10, 3, 3, 2)"), ((10, 3, 3, 2),)),
        Case(_("linear ({d}, {m})").format(d=d, m=m), ((d, m),)),
    ]


def _he_fan_out(shape):
    return np.sqrt(2 / fans(shape)[1])


def _he_no_two(shape):
    return np.sqrt(1 / fans(shape)[0])


def _he_xavier(shape):
    return np.sqrt(2 / sum(fans(shape)))


def _he_variance(shape):
    return 2 / fans(shape)[0]


def _he_channels_only(shape):
    return np.sqrt(2 / (shape[1] if len(shape) == 4 else shape[0]))


register(Exercise(
    id="he_std", notebook="08", kind="function", points=1,
    title=N_("he_std(shape): sqrt(2 / fan_in) for a linear (D, M) or conv (F, C, KH, KW) weight"),
    reference=he_std, cases=he_cases,
    mistakes=(
        mistake("fan_out",
                N_("the std uses the fan-out: He initialisation keeps the forward signal's variance, so it "
                   "counts the inputs each output sums, the fan-in"), _he_fan_out),
        mistake("the 2 is missing",
                N_("the std is sqrt(1 / fan_in): ReLU zeroes half of its inputs, which the factor 2 makes up "
                   "for"),
                _he_no_two),
        mistake("Xavier instead of He",
                N_("this is Xavier/Glorot's sqrt(2 / (fan_in + fan_out)): He's uses the fan-in alone"),
                _he_xavier),
        mistake("variance instead of std",
                N_("the result is the variance 2 / fan_in: the standard deviation is its square root"),
                _he_variance),
        mistake("kernel left out of the fan-in",
                N_("for a convolution the fan-in counted channels only: each output sums C * KH * KW inputs"),
                _he_channels_only),
    ),
))
