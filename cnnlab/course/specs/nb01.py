"""Notebook 01, the linear layer and activations: their forward and backward passes."""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import away_from_zero, mistake, randn

# -- linear ------------------------------------------------------------------------------


def linear_cases(rng):
    return [
        Case(_("4 images (2, 3, 3) into 5 outputs"),
             (randn(rng, 4, 2, 3, 3), randn(rng, 18, 5), randn(rng, 5))),
        Case(_("3 rows of 7 features into 2 outputs"), (randn(rng, 3, 7), randn(rng, 7, 2), randn(rng, 2))),
        Case(_("a batch of one"), (randn(rng, 1, 6), randn(rng, 6, 4), randn(rng, 4))),
        Case(_("one input feature"), (randn(rng, 5, 1), randn(rng, 1, 3), randn(rng, 3))),
        Case(_("one output"), (randn(rng, 4, 3, 2), randn(rng, 6, 1), randn(rng, 1))),
        Case(_("no bias (b=None)"), (randn(rng, 3, 4), randn(rng, 4, 3), None)),
    ]


def _linear_cache_flat(x, w, b=None):
    out, _ = F.linear_forward(x, w, b)
    return out, (x.reshape(x.shape[0], -1), w, b)


def _linear_no_bias(x, w, b=None):
    out, cache = F.linear_forward(x, w, b)
    return x.reshape(x.shape[0], -1) @ w, cache


def _linear_wrong_flatten(x, w, b=None):
    _, cache = F.linear_forward(x, w, b)
    rows = x.reshape(-1, x.shape[0]).T  # (D, N) then transposed: the numbers are scrambled
    return rows @ w + (0 if b is None else b), cache


register(Exercise(
    id="linear_forward", notebook="01", kind="forward", op="linear_forward",
    title=N_("linear_forward(x, w, b=None): out = x.reshape(N, D) @ w + b, cache (x, w, b)"),
    reference=F.linear_forward, backward=F.linear_backward, cases=linear_cases,
    gradcheck=dict(h=1e-3),  # linear in every input: a larger step only reduces rounding error
    mistakes=(
        mistake("cache holds the flattened x",
                N_("the output is right but the cache is not: keep x itself, in its own shape, so that the "
                   "backward can give dx that shape"), _linear_cache_flat),
        mistake("bias forgotten",
                N_("the output lacks the bias: add b (shape (M,)) to every row of x @ w"), _linear_no_bias),
        mistake("flattened in the wrong order",
                N_("the rows of x are scrambled: each example must be flattened on its own, x.reshape(N, "
                   "-1), not reshaped with the batch axis last and transposed"), _linear_wrong_flatten),
    ),
))


def _rows(cache):
    x, w, b = cache
    return x.reshape(x.shape[0], -1), w, b


def _linear_grads(dout, cache, *, dx=None, dw=None, db=None):
    right = F.linear_backward(dout, cache)
    return F.LinearGrads(right.dx if dx is None else dx, right.dw if dw is None else dw,
                         right.db if db is None or cache[2] is None else db)


def _dw_transposed(dout, cache):
    rows, _, _ = _rows(cache)
    return _linear_grads(dout, cache, dw=dout.T @ rows)


def _dw_averaged(dout, cache):
    rows, _, _ = _rows(cache)
    return _linear_grads(dout, cache, dw=rows.T @ dout / dout.shape[0])


def _db_mean(dout, cache):
    return _linear_grads(dout, cache, db=dout.mean(axis=0))


def _db_one_example(dout, cache):
    return _linear_grads(dout, cache, db=dout[0].copy())


def _db_not_summed(dout, cache):
    return _linear_grads(dout, cache, db=dout.copy())


def _dx_not_reshaped(dout, cache):
    _, w, _ = _rows(cache)
    return _linear_grads(dout, cache, dx=dout @ w.T)


register(Exercise(
    id="linear_backward", notebook="01", kind="backward", op="linear_backward",
    title=N_("linear_backward(dout, cache): LinearGrads(dx shaped like x, dw (D, M), db (M,) or None)"),
    reference=F.linear_backward, forward=F.linear_forward, cases=linear_cases, gradcheck=dict(h=1e-3),
    mistakes=(
        mistake("dw transposed",
                N_("dw has the shape of w transposed, (M, D): the gradient of x @ w with respect to w is "
                   "X^T dout, which has w's shape (D, M)"), _dw_transposed),
        mistake("dw averaged",
                N_("dw is too small by a factor N: the loss already carries any 1/N, so dw sums the "
                   "examples' contributions without averaging them"), _dw_averaged),
        mistake("db mean",
                N_("db is the mean of dout over the batch: b is added to every example, so its gradient is "
                   "the sum over the batch"), _db_mean),
        mistake("db of one example",
                N_("db is the gradient of the first example only: b is shared by the whole batch, so sum "
                   "dout over all N rows"), _db_one_example),
        mistake("db not summed",
                N_("db has one row per example, shape (N, M): b has shape (M,), so sum dout over the batch "
                   "axis"),
                _db_not_summed),
        mistake("dx not reshaped",
                N_("dx is still flat, (N, D): the forward flattened x, so reshape dx back to x's own shape"),
                _dx_not_reshaped),
    ),
))

# -- ReLU --------------------------------------------------------------------------------


def relu_cases(rng):
    zeros = randn(rng, 3, 6)
    zeros[:, ::2] = 0.0
    return [
        Case(_("4 x 5 values away from 0"), (away_from_zero(rng, 4, 5),)),
        Case(_("feature maps (2, 3, 4, 4)"), (randn(rng, 2, 3, 4, 4),)),
        Case(_("x exactly 0 at some entries"), (zeros,)),
        Case(_("a batch of one"), (randn(rng, 1, 7),)),
    ]


def _relu_max_axis(x):
    return np.max(x, 0), x


def _relu_minimum(x):
    return np.minimum(x, 0), x


register(Exercise(
    id="relu_forward", notebook="01", kind="forward", op="relu_forward",
    title=N_("relu_forward(x): out = max(x, 0) elementwise, cache x"),
    reference=F.relu_forward, backward=F.relu_backward, cases=relu_cases,
    mistakes=(
        mistake("np.max instead of np.maximum",
                N_("the output lost an axis: np.max(x, 0) takes the largest value along axis 0, while the "
                   "elementwise max(x, 0) is np.maximum"), _relu_max_axis),
        mistake("np.minimum",
                N_("the output keeps the negative values and zeroes the positive ones: ReLU is the "
                   "elementwise maximum with 0, not the minimum"), _relu_minimum),
    ),
))


def _relu_no_mask(dout, cache):
    return F.InputGrads(dout.copy())


def _relu_mask_only(dout, cache):
    return F.InputGrads((cache > 0).astype(np.float64))


def _relu_inverted(dout, cache):
    return F.InputGrads(dout * (cache < 0))


def _relu_times_out(dout, cache):
    return F.InputGrads(dout * np.maximum(cache, 0))


def _relu_ge_zero(dout, cache):
    return F.InputGrads(dout * (cache >= 0))


register(Exercise(
    id="relu_backward", notebook="01", kind="backward", op="relu_backward",
    title=N_("relu_backward(dout, cache): InputGrads(dx = dout where x > 0, else 0; 0 at x == 0)"),
    reference=F.relu_backward, forward=F.relu_forward, cases=relu_cases,
    mistakes=(
        mistake("gradient passed where x < 0",
                N_("dx equals dout everywhere: ReLU is flat where x < 0, so the gradient must be zeroed "
                   "there"),
                _relu_no_mask),
        mistake("mask without dout",
                N_("dx is just the 0/1 mask: the local derivative must multiply the upstream gradient dout"),
                _relu_mask_only),
        mistake("inverted mask",
                N_("the gradient flows where x < 0 and stops where x > 0: the mask is the wrong way round"),
                _relu_inverted),
        mistake("multiplied by the output",
                N_("dx is dout times the ReLU output: the derivative of max(x, 0) is 1 or 0, not the "
                   "output itself"), _relu_times_out),
        mistake("x >= 0 at zero",
                N_("at x exactly 0 the gradient passes: the course follows PyTorch, where ReLU's derivative "
                   "at 0 is 0, so use x > 0 (strictly)"), _relu_ge_zero),
    ),
))

# -- sigmoid -----------------------------------------------------------------------------


def sigmoid_cases(rng):
    big = np.array([[-1000.0, -30.0, -5.0, 0.0, 5.0, 30.0, 1000.0]])
    return [
        Case(_("3 x 4 values"), (2 * randn(rng, 3, 4),)),
        Case(_("large |x| (up to 1000)"), (np.concatenate([big, 3 * randn(rng, 1, 7)]),)),
        Case(_("feature maps (2, 2, 3, 3)"), (randn(rng, 2, 2, 3, 3),)),
        Case(_("a batch of one"), (randn(rng, 1, 5),)),
    ]


def _sigmoid_cache_out(x):
    out, _ = F.sigmoid_forward(x)
    return out, out


def _sigmoid_sign(x):
    _, cache = F.sigmoid_forward(x)
    return 1 / (1 + np.exp(x)), cache


def _sigmoid_overflow(x):
    _, cache = F.sigmoid_forward(x)
    return np.exp(x) / (1 + np.exp(x)), cache


register(Exercise(
    id="sigmoid_forward", notebook="01", kind="forward", op="sigmoid_forward",
    title=N_("sigmoid_forward(x): out = 1 / (1 + exp(-x)) without overflow, cache e = exp(-|x|) (not out)"),
    reference=F.sigmoid_forward, backward=F.sigmoid_backward, cases=sigmoid_cases,
    mistakes=(
        mistake("cache holds the output",
                N_("the output is right but the cache is not: this course's sigmoid caches e = exp(-|x|), "
                   "from which the backward computes e / (1 + e)**2"), _sigmoid_cache_out),
        mistake("sign of the exponent",
                N_("the output is 1 - sigmoid(x), decreasing in x: the exponent is -x, not x"),
                _sigmoid_sign),
        mistake("exp(x) / (1 + exp(x)) overflows",
                N_("large positive x gives NaN: exp(x) overflows to inf and inf / inf is NaN; use the form "
                   "whose exp sees only -|x|"), _sigmoid_overflow),
    ),
))


def _sig(e):
    return 1 / (1 + e)  # sigmoid(|x|), from the cache e = exp(-|x|)


def _sigmoid_derivative_as_output(dout, cache):
    return F.InputGrads(dout * _sig(cache))


def _sigmoid_cache_as_output(dout, cache):
    return F.InputGrads(dout * cache * (1 - cache))


def _sigmoid_no_dout(dout, cache):
    return F.InputGrads(cache / (1 + cache) ** 2)


def _sigmoid_tanh_derivative(dout, cache):
    return F.InputGrads(dout * (1 - _sig(cache) ** 2))


register(Exercise(
    id="sigmoid_backward", notebook="01", kind="backward", op="sigmoid_backward",
    title=N_("sigmoid_backward(dout, cache): InputGrads(dx = dout * e / (1 + e)**2), cache e = exp(-|x|)"),
    reference=F.sigmoid_backward, forward=F.sigmoid_forward, cases=sigmoid_cases,
    mistakes=(
        mistake("derivative written as the output",
                N_("dx is dout times the sigmoid itself: the derivative is sigma * (1 - sigma), at most 1/4"),
                _sigmoid_derivative_as_output),
        mistake("cache taken for the output",
                N_("the cache was used as if it held the sigmoid's output: it holds e = exp(-|x|), from "
                   "which the derivative is e / (1 + e)**2"), _sigmoid_cache_as_output),
        mistake("forgot dout",
                N_("dx is the local derivative alone: multiply it by the upstream gradient dout"),
                _sigmoid_no_dout),
        mistake("tanh's derivative",
                N_("dx uses 1 - sigma**2, the form of tanh's derivative: the sigmoid's is sigma * (1 - "
                   "sigma)"),
                _sigmoid_tanh_derivative),
    ),
))

# -- tanh --------------------------------------------------------------------------------


def tanh_cases(rng):
    return [
        Case(_("3 x 4 values"), (randn(rng, 3, 4),)),
        Case(_("large |x| (up to 1000)"), (np.array([[-1000.0, -20.0, 0.0, 0.5, 20.0, 1000.0]]),)),
        Case(_("feature maps (2, 2, 3, 3)"), (randn(rng, 2, 2, 3, 3),)),
        Case(_("a batch of one"), (randn(rng, 1, 5),)),
    ]


def _tanh_naive(x):
    out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    return out, np.tanh(x)


def _tanh_cache_x(x):
    return np.tanh(x), x


def _tanh_half(x):
    out = 2 / (1 + np.exp(-x)) - 1  # = tanh(x / 2)
    return out, np.tanh(x)


register(Exercise(
    id="tanh_forward", notebook="01", kind="forward", op="tanh_forward",
    title=N_("tanh_forward(x): out = tanh(x), cache out"),
    reference=F.tanh_forward, backward=F.tanh_backward, cases=tanh_cases,
    mistakes=(
        mistake("cache holds x",
                N_("the output is right but the cache is not: cache out = tanh(x), from which the derivative "
                   "is 1 - out**2"), _tanh_cache_x),
        mistake("2 sigmoid(x) - 1",
                N_("the output is tanh(x / 2): tanh(x) = 2 sigmoid(2x) - 1, with 2x inside the sigmoid"),
                _tanh_half),
        mistake("exponential formula overflows",
                N_("large |x| gives NaN: in (exp(x) - exp(-x)) / (exp(x) + exp(-x)) both exponentials "
                   "overflow to inf; np.tanh is accurate for every x"), _tanh_naive),
    ),
))


def _tanh_derivative_as_output(dout, cache):
    return F.InputGrads(dout * cache)


def _tanh_not_squared(dout, cache):
    return F.InputGrads(dout * (1 - cache))


def _tanh_cache_as_x(dout, cache):
    return F.InputGrads(dout * (1 - np.tanh(cache) ** 2))


def _tanh_no_dout(dout, cache):
    return F.InputGrads(1 - cache ** 2)


def _tanh_sigmoid_derivative(dout, cache):
    return F.InputGrads(dout * cache * (1 - cache))


register(Exercise(
    id="tanh_backward", notebook="01", kind="backward", op="tanh_backward",
    title=N_("tanh_backward(dout, cache): InputGrads(dx = dout * (1 - out**2)), cache out = tanh(x)"),
    reference=F.tanh_backward, forward=F.tanh_forward, cases=tanh_cases,
    mistakes=(
        mistake("derivative written as the output",
                N_("dx is dout times tanh itself: the derivative of tanh is 1 - tanh**2"),
                _tanh_derivative_as_output),
        mistake("1 - out, not squared",
                N_("dx uses 1 - out: the derivative of tanh is 1 - out**2, with the square"),
                _tanh_not_squared),
        mistake("cache taken for x",
                N_("tanh was applied to the cache again: the cache already holds out = tanh(x), so the "
                   "derivative is 1 - cache**2"), _tanh_cache_as_x),
        mistake("forgot dout",
                N_("dx is the local derivative alone: multiply it by the upstream gradient dout"),
                _tanh_no_dout),
        mistake("sigmoid's derivative",
                N_("dx uses out * (1 - out), the sigmoid's derivative: tanh's is 1 - out**2"),
                _tanh_sigmoid_derivative),
    ),
))
