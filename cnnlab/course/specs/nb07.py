"""Notebook 07, batch normalisation and dropout.

Batch-norm cases pass the keyword arguments the layers pass (``train``,
``running_mean``, ``running_var``, ``eps``). Dropout cases pass ``rng=`` a
``numpy.random.Generator``; the checker hands the answer and the reference
generators in identical states, so their masks agree only if the answer draws the
mask exactly as the library does: **one** call ``u = rng.random(x.shape)`` (uniform
in [0, 1), x's shape), keep where ``u >= p``, and scale the kept values by
``1 / (1 - p)``. In eval mode (``train=False``) dropout draws nothing and returns a
copy of ``x``, with cache ``None``.
"""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import from_rows, mistake, randn, to_rows

BN_GRADCHECK = dict(richardson=True, h=1e-3)

# -- batch norm forward ------------------------------------------------------------------


def _bn_case(rng, label, shape, *, train=True, eps=1e-5, loc=2.0, scale=3.0):
    d = shape[1]
    x = rng.normal(loc, scale, size=shape)
    kwargs = dict(train=train, running_mean=0.5 * randn(rng, d), running_var=rng.uniform(0.5, 2.0, size=d),
                  eps=eps)
    return Case(label, (x, randn(rng, d), randn(rng, d)), kwargs)


def bn_cases(rng):
    return [
        _bn_case(rng, _("6 examples, 3 features"), (6, 3)),
        _bn_case(rng, _("a batch of two"), (2, 4)),
        _bn_case(rng, _("one feature"), (5, 1)),
        _bn_case(rng, _("eval mode: running statistics"), (4, 3), train=False),
        _bn_case(rng, _("eps = 0.1"), (4, 2), eps=0.1, scale=0.5),
    ]


def spatial_bn_cases(rng):
    return [
        _bn_case(rng, _("feature maps (2, 3, 2, 3)"), (2, 3, 2, 3), loc=1.0, scale=2.0),
        _bn_case(rng, _("a batch of one"), (1, 2, 3, 3)),
        _bn_case(rng, _("eval mode: running statistics"), (2, 2, 2, 2), train=False),
        _bn_case(rng, _("one channel"), (3, 1, 2, 2)),
    ]


def _normalised(x, gamma, beta, mean, var, eps, *, eps_outside=False):
    """gamma * (x - mean) / sqrt(var + eps) + beta over rows; the NCHW shape restored."""
    rows = to_rows(x)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return from_rows(gamma * (rows - mean) / std + beta, x.shape)


def _bn_variant(library_forward, *, ddof=0, stats_of=None, eps_outside=False, affine=True,
                eval_batch=False, train_running=False):
    """A wrong batch-norm forward: the library's cache, the output of the variant."""

    def wrong(x, gamma, beta, *, train=True, running_mean=None, running_var=None, eps=1e-5):
        _, cache = library_forward(x, gamma, beta, train=train, running_mean=running_mean,
                                   running_var=running_var, eps=eps)
        rows = to_rows(x)
        use_batch = (train and not train_running) or (not train and eval_batch)
        if use_batch:
            mean, var = rows.mean(axis=0), rows.var(axis=0, ddof=ddof)
        else:
            mean, var = running_mean, running_var
        if stats_of is not None and use_batch:
            return stats_of(x, gamma, beta, eps), cache
        g, b = (gamma, beta) if affine else (np.ones_like(gamma), np.zeros_like(beta))
        return _normalised(x, g, b, mean, var, eps, eps_outside=eps_outside), cache

    return wrong


def _cache_std(library_forward):
    def wrong(x, gamma, beta, *, train=True, running_mean=None, running_var=None, eps=1e-5):
        out, cache = library_forward(x, gamma, beta, train=train, running_mean=running_mean,
                                     running_var=running_var, eps=eps)
        return out, cache._replace(inv_std=1 / cache.inv_std)

    return wrong


_CACHE_STD = N_("the output is right but the cache is not: BatchNormCache.inv_std holds 1 / sqrt(var + eps), "
                "the inverse of the standard deviation, and x_hat, gamma and the batch statistics as used")


def _per_example(x, gamma, beta, eps):
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def _channel_not_moved(x, gamma, beta, eps):
    rows = x.reshape(-1, x.shape[1])  # mixes channels and pixels
    out = gamma * (rows - rows.mean(axis=0)) / np.sqrt(rows.var(axis=0) + eps) + beta
    return out.reshape(x.shape)


def _per_pixel(x, gamma, beta, eps):
    mean, var = x.mean(axis=0), x.var(axis=0)
    return gamma[:, None, None] * (x - mean) / np.sqrt(var + eps) + beta[:, None, None]


def _all_channels(x, gamma, beta, eps):
    return gamma[:, None, None] * (x - x.mean()) / np.sqrt(x.var() + eps) + beta[:, None, None]


_UNBIASED = N_("the batch variance divides by M - 1: batch norm normalises with the biased variance, "
               "dividing by M (the unbiased one is only for the running estimate)")
_EPS = N_("eps was added outside the square root: the denominator is sqrt(var + eps)")
_AFFINE = N_("gamma and beta are not applied: after normalising, scale by gamma and shift by beta")
_EVAL = N_("eval mode used the batch's own statistics: at test time normalise with running_mean and "
           "running_var, so an example's output does not depend on its batch")
_TRAIN = N_("train mode used the running statistics: during training normalise with the batch's own mean and "
            "variance (the running ones are for eval mode)")

register(Exercise(
    id="batchnorm_forward", notebook="07", kind="forward", op="batchnorm_forward", gradcheck=BN_GRADCHECK,
    title=N_("batchnorm_forward(x, gamma, beta, *, train=True, running_mean=None, running_var=None, "
             "eps=1e-5): (N, D) features, cache BatchNormCache"),
    reference=F.batchnorm_forward, backward=F.batchnorm_backward, cases=bn_cases,
    mistakes=(
        mistake("cache holds the standard deviation", _CACHE_STD, _cache_std(F.batchnorm_forward)),
        mistake("statistics per example", N_("each example was normalised over its own features: batch norm "
                   "normalises each feature (column) over the batch, axis 0"),
                _bn_variant(F.batchnorm_forward, stats_of=_per_example)),
        mistake("unbiased variance", _UNBIASED, _bn_variant(F.batchnorm_forward, ddof=1)),
        mistake("eps outside the square root", _EPS, _bn_variant(F.batchnorm_forward, eps_outside=True)),
        mistake("gamma and beta missing", _AFFINE, _bn_variant(F.batchnorm_forward, affine=False)),
        mistake("train mode with running statistics", _TRAIN,
                _bn_variant(F.batchnorm_forward, train_running=True)),
        mistake("eval mode with batch statistics", _EVAL, _bn_variant(F.batchnorm_forward, eval_batch=True)),
    ),
))

register(Exercise(
    id="spatial_batchnorm_forward", notebook="07", kind="forward", op="spatial_batchnorm_forward",
    gradcheck=BN_GRADCHECK,
    title=N_("spatial_batchnorm_forward(x, gamma, beta, *, train=True, running_mean=None, running_var=None, "
             "eps=1e-5): (N, C, H, W), statistics per channel over N*H*W values, cache BatchNormCache"),
    reference=F.spatial_batchnorm_forward, backward=F.batchnorm_backward, cases=spatial_bn_cases,
    mistakes=(
        mistake("cache holds the standard deviation", _CACHE_STD, _cache_std(F.spatial_batchnorm_forward)),
        mistake("statistics per pixel", N_("each pixel position was normalised separately, over the batch "
                                           "only: a channel's statistics pool the batch and all H * W "
                                           "positions"),
                _bn_variant(F.spatial_batchnorm_forward, stats_of=_per_pixel)),
        mistake("channel axis not moved", N_("x was reshaped to (-1, C) without moving the channel axis "
                                             "last, which mixes channels: transpose to (N, H, W, C) first, "
                                             "and back afterwards"),
                _bn_variant(F.spatial_batchnorm_forward, stats_of=_channel_not_moved)),
        mistake("one mean for all channels",
                N_("all channels share one mean and variance: each channel gets its own, over N * H * W "
                   "values"),
                _bn_variant(F.spatial_batchnorm_forward, stats_of=_all_channels)),
        mistake("unbiased variance", _UNBIASED, _bn_variant(F.spatial_batchnorm_forward, ddof=1)),
        mistake("train mode with running statistics", _TRAIN,
                _bn_variant(F.spatial_batchnorm_forward, train_running=True)),
        mistake("eval mode with batch statistics", _EVAL,
                _bn_variant(F.spatial_batchnorm_forward, eval_batch=True)),
    ),
))

# -- batch norm backward -----------------------------------------------------------------


def batchnorm_forward_any(x, gamma, beta, *, train=True, running_mean=None, running_var=None, eps=1e-5):
    """The library's batch norm for (N, D) or (N, C, H, W) input: one backward serves both."""
    forward = F.spatial_batchnorm_forward if x.ndim == 4 else F.batchnorm_forward
    return forward(x, gamma, beta, train=train, running_mean=running_mean, running_var=running_var, eps=eps)


def bn_backward_cases(rng):
    return [
        _bn_case(rng, _("6 examples, 3 features"), (6, 3)),
        _bn_case(rng, _("feature maps (2, 3, 2, 2)"), (2, 3, 2, 2), loc=1.0, scale=2.0),
        _bn_case(rng, _("a batch of two"), (2, 3)),
        _bn_case(rng, _("one feature"), (5, 1)),
        _bn_case(rng, _("feature maps, a batch of one"), (1, 2, 3, 3)),
        _bn_case(rng, _("eval mode: the statistics are constants"), (2, 2, 2, 2), train=False),
    ]


def _bn_backward_variant(*, mean_term=True, var_term=True, var_m=None, use_gamma=True, m_is_n=False,
                         unsummed=False, dgamma_x=False):
    def wrong(dout, cache):
        rows, x_hat, inv_std = to_rows(dout), cache.x_hat, cache.inv_std
        g = rows * cache.gamma if use_gamma else rows
        m = cache.x_shape[0] if m_is_n else x_hat.shape[0]
        dx = m * g
        if mean_term:
            dx = dx - g.sum(axis=0)
        if var_term:
            dx = dx - x_hat * (g * x_hat).sum(axis=0) * (m / var_m(m) if var_m else 1)
        dx = from_rows(inv_std / m * dx, cache.x_shape)
        x_rows = x_hat / inv_std + cache.batch_mean if dgamma_x else x_hat
        dgamma, dbeta = rows * x_rows, rows
        if not unsummed:
            dgamma, dbeta = dgamma.sum(axis=0), dbeta.sum(axis=0)
        return F.BatchNormGrads(dx, dgamma, dbeta)

    return wrong


register(Exercise(
    id="batchnorm_backward", notebook="07", kind="backward", op="batchnorm_backward", gradcheck=BN_GRADCHECK,
    title=N_("batchnorm_backward(dout, cache): BatchNormGrads(dx, dgamma, dbeta) for the cache of either "
             "batch-norm forward, train mode (and eval mode, where the statistics are constants)"),
    reference=F.batchnorm_backward, forward=batchnorm_forward_any, cases=bn_backward_cases,
    mistakes=(
        mistake("mean treated as a constant",
                N_("the gradient through the batch mean is missing: the mean depends on every x, so dx loses "
                   "the sum of g over the batch, divided by M (the dmean term)"),
                _bn_backward_variant(mean_term=False)),
        mistake("variance treated as a constant",
                N_("the gradient through the batch variance is missing: dx lacks the x_hat * sum(g * x_hat) "
                   "/ M term"), _bn_backward_variant(var_term=False)),
        mistake("statistics treated as constants",
                N_("dx is g / sqrt(var + eps), as in eval mode: in train mode the mean and variance depend "
                   "on x, and both of their terms are missing"),
                _bn_backward_variant(mean_term=False, var_term=False)),
        mistake("variance term with M - 1",
                N_("the variance term uses 1/(M - 1): the forward's variance is the biased one, 1/M, and so "
                   "is its derivative"), _bn_backward_variant(var_m=lambda m: m - 1)),
        mistake("gamma missing from dx",
                N_("dx ignores gamma: the gradient reaching x_hat is dout * gamma"),
                _bn_backward_variant(use_gamma=False)),
        mistake("dgamma from x, not x_hat",
                N_("dgamma multiplies dout by the raw input: gamma scales the normalised x_hat, so dgamma = "
                   "sum(dout * x_hat)"), _bn_backward_variant(dgamma_x=True)),
        mistake("dgamma and dbeta not summed",
                N_("dgamma and dbeta have one row per example: gamma and beta are shared, so sum over the "
                   "batch (and over the pixels for feature maps)"), _bn_backward_variant(unsummed=True)),
        mistake("train formula in eval mode",
                N_("in eval mode the mean and variance are the running constants, not functions of x: there "
                   "dx is simply dout * gamma / sqrt(running_var + eps)"), _bn_backward_variant()),
        mistake("M = N for feature maps",
                N_("for feature maps dx divides by the batch size N: each channel averages M = N * H * W "
                   "values"),
                _bn_backward_variant(m_is_n=True)),
    ),
))

# -- dropout -----------------------------------------------------------------------------


def dropout_cases(rng):
    def case(label, x, p, train=True):
        return Case(label, (x, p), dict(train=train, rng=np.random.default_rng(int(rng.integers(2 ** 32)))))

    return [
        case("4 x 5 values, p = 0.3", randn(rng, 4, 5), 0.3),
        case("feature maps (2, 2, 3, 3), p = 0.5", randn(rng, 2, 2, 3, 3), 0.5),
        case("p = 0: nothing dropped", randn(rng, 3, 4), 0.0),
        case("eval mode", randn(rng, 3, 4), 0.5, train=False),
        case("a batch of one, p = 0.75", randn(rng, 1, 8), 0.75),
    ]


def _dropout_variant(*, keep_if=lambda u, p: u >= p, scale=lambda p: 1 / (1 - p), cache_scaled=True,
                     eval_mask=False, eval_scale=lambda p: 1.0):
    def wrong(x, p, *, train=True, rng=None):
        if not train and not eval_mask:
            return x * eval_scale(p), None
        keep = keep_if(rng.random(x.shape), p).astype(x.dtype)
        mask = keep * scale(p)
        return x * mask, mask if cache_scaled else keep

    return wrong


_DRAW = N_("the mask keeps about the right share but not the values the library keeps: draw it as the "
           "exercise states, with one rng.random(x.shape) call, keeping the entries whose draw is >= p")

register(Exercise(
    id="dropout_forward", notebook="07", kind="forward", op="dropout_forward",
    title=N_("dropout_forward(x, p, *, train=True, rng=None): inverted dropout; draw u = rng.random(x.shape) "
             "once, keep where u >= p, scale kept values by 1/(1-p), cache that scaled mask; eval: copy of "
             "x, None"),
    reference=F.dropout_forward, backward=F.dropout_backward, cases=dropout_cases,
    mistakes=(
        mistake("cache holds the unscaled mask",
                N_("the output is right but the cache is not: cache the scaled mask keep / (1 - p), the "
                   "factor each x was multiplied by"), _dropout_variant(cache_scaled=False)),
        mistake("not inverted",
                N_("the kept values are not scaled up: inverted dropout divides them by 1 - p so that the "
                   "expected output equals x"), _dropout_variant(scale=lambda p: 1.0)),
        mistake("p taken as the keep probability",
                N_("p is the probability of *dropping* a value (PyTorch's convention), not of keeping it"),
                _dropout_variant(keep_if=lambda u, p: u < p, scale=lambda p: 1 / p)),
        mistake("scaled by 1 - p",
                N_("the kept values were multiplied by 1 - p: inverted dropout divides by 1 - p"),
                _dropout_variant(scale=lambda p: 1 - p)),
        mistake("mask drawn differently", _DRAW, _dropout_variant(keep_if=lambda u, p: u < 1 - p)),
        mistake("mask applied in eval mode",
                N_("eval mode dropped values: at test time dropout is the identity (inverted dropout already "
                   "scaled during training)"), _dropout_variant(eval_mask=True)),
        mistake("eval mode scaled by 1 - p",
                N_("eval mode multiplied x by 1 - p, the old non-inverted convention: with inverted dropout "
                   "eval mode returns x unchanged"), _dropout_variant(eval_scale=lambda p: 1 - p)),
    ),
))


def _dropout_no_mask(dout, cache):
    return F.InputGrads(dout.copy())


def _dropout_unscaled(dout, cache):
    return F.InputGrads(dout.copy() if cache is None else dout * (cache != 0))


def _dropout_twice(dout, cache):
    return F.InputGrads(dout.copy() if cache is None else dout * cache * cache)


register(Exercise(
    id="dropout_backward", notebook="07", kind="backward", op="dropout_backward",
    title=N_("dropout_backward(dout, cache): InputGrads(dx = dout * cache), or dout itself when cache is "
             "None (eval)"),
    reference=F.dropout_backward, forward=F.dropout_forward, cases=dropout_cases,
    mistakes=(
        mistake("mask forgotten",
                N_("dx equals dout: the dropped values did not influence the output, so their gradient is 0, "
                   "and the kept ones carry the same 1/(1 - p) factor as in the forward"), _dropout_no_mask),
        mistake("mask not scaled",
                N_("dx is dout times the 0/1 mask: the forward also scaled the kept values by 1/(1 - p), so "
                   "the backward multiplies by the same scaled mask"), _dropout_unscaled),
        mistake("scaled twice",
                N_("dx carries the 1/(1 - p) factor twice: the cached mask already includes it"),
                _dropout_twice),
    ),
))
