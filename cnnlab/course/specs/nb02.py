"""Notebook 02, softmax and cross-entropy: probabilities, the loss, and log-sum-exp."""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import mistake, randn

SATURATED = np.array([[1000.0, -1000.0, 0.0],
                      [-1000.0, 1000.0, 999.0],
                      [0.5, -0.25, 1.5]])

# -- softmax -----------------------------------------------------------------------------


def softmax_cases(rng):
    return [
        Case(_("4 examples, 4 classes"), (randn(rng, 4, 4),)),
        Case(_("5 examples, 10 classes"), (3 * randn(rng, 5, 10),)),
        Case(_("saturated scores (+-1000)"), (SATURATED.copy(),)),
        Case(_("one class"), (randn(rng, 3, 1),)),
        Case(_("a batch of one"), (randn(rng, 1, 6),)),
    ]


def _softmax_cache_x(x):
    return F.softmax_forward(x)[0], x


def _softmax_no_shift(x):
    e = np.exp(x)
    out = e / e.sum(axis=1, keepdims=True)
    return out, out


def _softmax_axis0(x):
    e = np.exp(x - x.max(axis=0, keepdims=True))
    out = e / e.sum(axis=0, keepdims=True)
    return out, out


def _softmax_not_normalised(x):
    out = np.exp(x - x.max(axis=1, keepdims=True))
    return out, out


def _softmax_no_keepdims(x):
    e = np.exp(x - x.max(axis=1))  # broadcasts along the wrong axis (or fails)
    out = e / e.sum(axis=1)
    return out, out


register(Exercise(
    id="softmax_forward", notebook="02", kind="forward", op="softmax_forward",
    title=N_("softmax_forward(x): rows of (N, K) scores -> probabilities, stable for any scores; cache out"),
    reference=F.softmax_forward, backward=F.softmax_backward, cases=softmax_cases,
    mistakes=(
        mistake("cache holds the scores",
                N_("the output is right but the cache is not: cache the probabilities out, from which the "
                   "backward builds the Jacobian"), _softmax_cache_x),
        mistake("max not subtracted",
                N_("saturated scores give NaN: exp(1000) overflows; subtract each row's maximum before exp, "
                   "which leaves the softmax unchanged"), _softmax_no_shift),
        mistake("normalised over the wrong axis",
                N_("the columns sum to 1 instead of the rows: normalise each example (axis 1) over its K "
                   "classes"),
                _softmax_axis0),
        mistake("not normalised",
                N_("the rows do not sum to 1: divide the exponentials by their sum over the classes"),
                _softmax_not_normalised),
        mistake("keepdims missing",
                N_("each row was shifted or divided by another row's value: x.max(axis=1) and .sum(axis=1) "
                   "need keepdims=True to broadcast along the rows"), _softmax_no_keepdims),
    ),
))


def _softmax_diagonal(dout, cache):
    return F.InputGrads(dout * cache * (1 - cache))


def _softmax_no_sum(dout, cache):
    return F.InputGrads(dout * cache)


def _softmax_sum_axis0(dout, cache):
    return F.InputGrads(cache * (dout - (dout * cache).sum(axis=0, keepdims=True)))


def _softmax_unweighted(dout, cache):
    return F.InputGrads(cache * (dout - dout.sum(axis=1, keepdims=True)))


register(Exercise(
    id="softmax_backward", notebook="02", kind="backward", op="softmax_backward",
    title=N_("softmax_backward(dout, cache): InputGrads(dx (N, K)), cache p = softmax(x)"),
    reference=F.softmax_backward, forward=F.softmax_forward, cases=softmax_cases,
    mistakes=(
        mistake("diagonal of the Jacobian only",
                N_("dx keeps only the diagonal p_i (1 - p_i) of the Jacobian: every p_j also depends on "
                   "every x_i, through the off-diagonal -p_i p_j terms"), _softmax_diagonal),
        mistake("p times dout",
                N_("dx is dout * p: the normalisation couples the classes, so subtract the p-weighted sum of "
                   "dout over each row before multiplying by p"), _softmax_no_sum),
        mistake("sum over the wrong axis",
                N_("the p-weighted sum of dout is taken over the batch (axis 0): it belongs to each example, "
                   "over its classes (axis 1)"), _softmax_sum_axis0),
        mistake("sum not weighted by p",
                N_("the sum subtracted from dout is not weighted by p: the Jacobian's off-diagonal terms "
                   "give sum_j dout_j p_j"), _softmax_unweighted),
    ),
))

# -- softmax cross-entropy ---------------------------------------------------------------


def _labels(rng, n, k):
    return rng.permutation(np.arange(n) % k).astype(np.int64)  # several different classes


def _one_hot(rng, n, k):
    return np.eye(k)[rng.integers(0, k, size=n)]


def ce_cases(rng):
    return [
        Case(_("5 examples, 4 classes, integer labels"), (randn(rng, 5, 4), _labels(rng, 5, 4))),
        Case(_("4 examples, 6 classes, one-hot labels"), (randn(rng, 4, 6), _one_hot(rng, 4, 6))),
        Case(_("saturated scores (+-1000)"), (SATURATED.copy(), np.array([1, 0, 2]))),
        Case(_("a batch of one"), (randn(rng, 1, 5), np.array([3]))),
        Case(_("two classes"), (randn(rng, 6, 2), _labels(rng, 6, 2))),
    ]


def _targets(x, y):
    return np.eye(x.shape[1])[y] if y.ndim == 1 else y


def _with_cache(x, y, loss):
    return loss, F.softmax_cross_entropy_forward(x, y)[1]


def _ce_sum(x, y):
    loss, cache = F.softmax_cross_entropy_forward(x, y)
    return loss * x.shape[0], cache


def _ce_no_minus(x, y):
    loss, cache = F.softmax_cross_entropy_forward(x, y)
    return -loss, cache


def _ce_mean_over_classes(x, y):
    loss, cache = F.softmax_cross_entropy_forward(x, y)
    return loss / x.shape[1], cache


def _ce_fancy_index(x, y):
    return _with_cache(x, y, -F.log_softmax(x)[:, y].mean())


def _ce_log_of_softmax(x, y):
    p, t = F.softmax_forward(x)[0], _targets(x, y)
    return _with_cache(x, y, -np.where(t > 0, t * np.log(p), 0).sum() / x.shape[0])


def _ce_naive(x, y):
    e = np.exp(x)
    p = e / e.sum(axis=1, keepdims=True)
    return _with_cache(x, y, -(_targets(x, y) * np.log(p)).sum() / x.shape[0])


register(Exercise(
    id="softmax_cross_entropy_forward", notebook="02", kind="forward",
    op="softmax_cross_entropy_forward",
    title=N_("softmax_cross_entropy_forward(x, y): mean cross-entropy over the batch, labels (N,) or "
             "one-hot (N, K); cache (p, targets (N, K))"),
    reference=F.softmax_cross_entropy_forward, backward=F.softmax_cross_entropy_backward, cases=ce_cases,
    mistakes=(
        mistake("sum instead of mean",
                N_("the loss is N times too large: average over the N examples (the 1/N is missing)"),
                _ce_sum),
        mistake("minus sign missing",
                N_("the loss is negative: cross-entropy is minus the log-probability of the right class"),
                _ce_no_minus),
        mistake("averaged over the classes too",
                N_("the loss is K times too small: sum over the classes, then average over the examples "
                   "only"),
                _ce_mean_over_classes),
        mistake("indexed with [:, y]",
                N_("log_p[:, y] picks an N x N block, every example's scores at every label: pair each row "
                   "with its own label, log_p[np.arange(N), y]"), _ce_fancy_index),
        mistake("log of the softmax",
                N_("saturated scores give an infinite loss: the softmax underflows to 0 and log(0) = -inf; "
                   "compute log-probabilities directly as x - logsumexp(x)"), _ce_log_of_softmax),
        mistake("exp without the max shift",
                N_("saturated scores give NaN: exp(1000) overflows; shift each row by its maximum "
                   "(log-sum-exp) before exponentiating"), _ce_naive),
    ),
))


def _ce_no_n(dout, cache):
    p, t = cache
    return F.InputGrads((p - t) * dout)


def _ce_p_only(dout, cache):
    p, t = cache
    return F.InputGrads(p * (dout / p.shape[0]))


def _ce_no_dout(dout, cache):
    p, t = cache
    return F.InputGrads((p - t) / p.shape[0])


def _ce_sign(dout, cache):
    p, t = cache
    return F.InputGrads((t - p) * (dout / p.shape[0]))


register(Exercise(
    id="softmax_cross_entropy_backward", notebook="02", kind="backward",
    op="softmax_cross_entropy_backward",
    title=N_("softmax_cross_entropy_backward(dout, cache): InputGrads(dx (N, K)) of the mean loss; dout a "
             "scalar"),
    reference=F.softmax_cross_entropy_backward, forward=F.softmax_cross_entropy_forward, cases=ce_cases,
    mistakes=(
        mistake("1/N missing",
                N_("dx is N times too large: the loss is a mean over the batch, so each row of p - y is "
                   "divided by N"),
                _ce_no_n),
        mistake("p instead of p - y",
                N_("dx is p alone: the log of the target's probability contributes -y, so the gradient is p "
                   "- y"),
                _ce_p_only),
        mistake("forgot dout",
                N_("dx ignores the upstream gradient: multiply by dout (a scalar, 1.0 only when the loss is "
                   "the final output)"), _ce_no_dout),
        mistake("sign flipped",
                N_("dx has the wrong sign: the gradient is p - y, probabilities minus targets"), _ce_sign),
    ),
))

# -- log-sum-exp -------------------------------------------------------------------------


def logsumexp(x):
    """x: (N, K) scores -> log(sum(exp(x), axis=1)), shape (N,), computed without overflow."""
    return np.logaddexp.reduce(x, axis=1)


def lse_cases(rng):
    wide = np.array([[1000.0, 999.0, 0.0],
                     [-1000.0, -999.0, -1001.0],
                     [0.5, -0.25, 1.5]])
    return [
        Case(_("4 examples, 10 scores"), (3 * randn(rng, 4, 10),)),
        Case(_("huge scores: 1000 and -1000"), (wide,)),
        Case(_("one score per row"), (randn(rng, 3, 1),)),
        Case(_("a batch of one"), (randn(rng, 1, 5),)),
        Case(_("scores of size about 1000"), (rng.normal(0.0, 1000.0, size=(4, 6)),)),
    ]


def _lse_naive(x):
    return np.log(np.exp(x).sum(axis=1))


def _lse_not_added_back(x):
    m = x.max(axis=1, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=1))


def _lse_global_max(x):
    m = x.max()
    return np.log(np.exp(x - m).sum(axis=1)) + m


def _lse_keepdims(x):
    m = x.max(axis=1, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=1, keepdims=True)) + m


def _lse_axis0(x):
    m = x.max(axis=0)
    return np.log(np.exp(x - m).sum(axis=0)) + m


register(Exercise(
    id="logsumexp", notebook="02", kind="function", points=1,
    title=N_("logsumexp(x): log(sum(exp(x), axis=1)) of (N, K) scores, shape (N,), without overflow"),
    reference=logsumexp, cases=lse_cases,
    mistakes=(
        mistake("naive formula",
                N_("huge scores give inf or -inf: exp(1000) overflows and exp(-1000) underflows to 0; factor "
                   "out each row's maximum first"), _lse_naive),
        mistake("maximum not added back",
                N_("the result is off by each row's maximum: log sum exp(x - m) must be followed by + m"),
                _lse_not_added_back),
        mistake("one maximum for the whole array",
                N_("rows far below the largest score give -inf: shift every row by its own maximum, not by "
                   "the maximum of the whole array"), _lse_global_max),
        mistake("keepdims left in",
                N_("the result has shape (N, 1): return one number per row, shape (N,)"), _lse_keepdims),
        mistake("reduced over the wrong axis",
                N_("the result has one value per column: reduce each row (axis 1) over its K scores"),
                _lse_axis0),
    ),
))
