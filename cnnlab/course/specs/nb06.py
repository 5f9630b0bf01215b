"""Notebook 06, pooling: max and average pooling, forward and backward.

Cases pass ``kernel_size``, ``stride`` and ``pad`` as the pooling layers do: the raw
values given to the layer, ints or pairs, and ``stride`` may be None (= the kernel).
"""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import crop, mistake, pad_hw, pool_any, pool_geometry, randn, scatter_windows, windows


def pool_cases(rng):
    ties = rng.integers(0, 3, size=(2, 2, 4, 4)).astype(np.float64)
    return [
        Case(_("2x2 windows, stride None (= the kernel)"), (randn(rng, 2, 2, 4, 4), 2, None, 0)),
        Case(_("a batch of one, 2x3 windows given as a pair"), (randn(rng, 1, 3, 4, 6), (2, 3), None, 0)),
        Case(_("overlapping 3x3 windows, stride 1"), (randn(rng, 2, 2, 5, 5), 3, 1, 0)),
        Case(_("3x3 windows, stride 2, pad 1, negative inputs"),
             (-1 - np.abs(randn(rng, 2, 2, 5, 5)), 3, 2, 1)),
        Case(_("ties inside windows"), (ties, 2, None, 0)),
        Case(_("2x3 windows, stride (2, 1), pad (1, 1)"), (randn(rng, 2, 1, 4, 5), (2, 3), (2, 1), (1, 1))),
    ]


# -- max pooling -------------------------------------------------------------------------


def _library(forward, x, kernel_size, stride, pad, out):
    return out, forward(x, kernel_size, stride, pad)[1]


def _windows_flat(x, kernel, stride, pad, fill):
    """(N, C, H_out, W_out, KH*KW): each window's values in row-major order."""
    w = windows(pad_hw(x, pad, fill), kernel, stride)
    return w.reshape(*w.shape[:4], -1)


def _max_last_on_ties(x, kernel_size=2, stride=None, pad=0):
    out, cache = F.max_pool_forward(x, kernel_size, stride, pad)
    kernel, stride, pad = pool_geometry(kernel_size, stride, pad)
    wins = _windows_flat(x, kernel, stride, pad, -np.inf)
    last = wins.shape[-1] - 1 - np.argmax(wins[..., ::-1], axis=-1)
    return out, cache._replace(argmax=last)


def _max_as_avg(x, kernel_size=2, stride=None, pad=0):
    return _library(F.max_pool_forward, x, kernel_size, stride, pad,
                    F.avg_pool_forward(x, kernel_size, stride, pad)[0])


def _max_stride_one(x, kernel_size=2, stride=None, pad=0):
    kernel, _, pad_ = pool_geometry(kernel_size, stride, pad)
    return _library(F.max_pool_forward, x, kernel_size, stride, pad,
                    pool_any(x, kernel, (1, 1), pad_, "max", -np.inf))


def _max_zero_padding(x, kernel_size=2, stride=None, pad=0):
    kernel, stride_, pad_ = pool_geometry(kernel_size, stride, pad)
    return _library(F.max_pool_forward, x, kernel_size, stride, pad,
                    pool_any(x, kernel, stride_, pad_, "max", 0.0))


def _max_no_padding(x, kernel_size=2, stride=None, pad=0):
    kernel, stride_, _ = pool_geometry(kernel_size, stride, pad)
    return _library(F.max_pool_forward, x, kernel_size, stride, pad,
                    pool_any(x, kernel, stride_, (0, 0), "max", -np.inf))


_STRIDE = N_("the windows moved one pixel at a time: move them by the stride, and stride=None means the "
             "stride equals the kernel size (windows side by side)")
_NO_PAD = N_("the output is too small: pad the input on each side before cutting out the windows")

register(Exercise(
    id="max_pool_forward", notebook="06", kind="forward", op="max_pool_forward",
    title=N_("max_pool_forward(x, kernel_size=2, stride=None, pad=0): out (N, C, H_out, W_out), cache "
             "PoolCache with argmax = row-major index of the first maximum inside each window"),
    reference=F.max_pool_forward, backward=F.max_pool_backward, cases=pool_cases,
    mistakes=(
        mistake("argmax not the first maximum",
                N_("the output is right but the cache routes the gradient elsewhere where values tie: store, "
                   "per window, the row-major index of the *first* maximum inside the window, as np.argmax "
                   "gives it"),
                _max_last_on_ties),
        mistake("average instead of max", N_("the output is the mean of each window, not its maximum"),
                                          _max_as_avg),
        mistake("stride ignored", _STRIDE, _max_stride_one),
        mistake("padded with zeros",
                N_("windows of negative values near the border give 0: pad with -inf, so that padding never "
                   "wins the maximum"), _max_zero_padding),
        mistake("padding ignored", _NO_PAD, _max_no_padding),
    ),
))


def _winner_masks(cache, *, column_major=False):
    """(N, C, H_out, W_out, KH, KW) one-hot masks of each window's winner."""
    kh, kw = cache.kernel_size
    k = cache.argmax
    p, q = (k % kh, k // kh) if column_major else (k // kw, k % kw)
    rows = np.arange(kh)[:, None] == p[..., None, None]
    cols = np.arange(kw)[None, :] == q[..., None, None]
    return rows & cols


def _max_route(dout, cache, *, column_major=False, overwrite=False, ones=False, corner=False):
    masks = _winner_masks(cache, column_major=column_major)
    upstream = np.ones_like(dout) if ones else dout
    dx = scatter_windows(upstream, masks, cache.x_shape, cache.kernel_size, cache.stride, cache.pad,
                         overwrite=overwrite)
    return F.InputGrads(crop(dx, (0, 0) if corner else cache.pad, cache.x_shape).copy())


def _max_spread(dout, cache):
    return F.InputGrads(F.avg_pool_backward(dout, cache).dx)


def _max_no_dout(dout, cache):
    return _max_route(dout, cache, ones=True)


def _max_column_major(dout, cache):
    return _max_route(dout, cache, column_major=True)


def _max_overwrite(dout, cache):
    return _max_route(dout, cache, overwrite=True)


def _max_corner_crop(dout, cache):
    return _max_route(dout, cache, corner=True)


_OVERWRITE = N_("where windows overlap, a pixel's gradient keeps only the last window's share: use += so "
                "that the gradients from every window it won add up")
_CROP = N_("near the border the gradient lands one pad away from the pixels it belongs to: windows index the "
           "padded input, so drop PH rows and PW columns from each side, not only from the end")

register(Exercise(
    id="max_pool_backward", notebook="06", kind="backward", op="max_pool_backward",
    title=N_("max_pool_backward(dout, cache): InputGrads(dx (N, C, H, W)); each window's gradient goes to "
             "its winner, cache.argmax (row-major index inside the window)"),
    reference=F.max_pool_backward, forward=F.max_pool_forward, cases=pool_cases,
    mistakes=(
        mistake("spread over the window",
                N_("the gradient is spread evenly over each window, as average pooling does: in max pooling "
                   "only the winner of the window influenced the output, so it alone receives dout"),
                _max_spread),
        mistake("forgot dout",
                N_("each winner receives 1: it should receive the upstream gradient dout of its window"),
                _max_no_dout),
        mistake("argmax read column-major",
                N_("the gradient lands on the wrong pixel of the window: the flat index is row-major, row "
                   "k // KW and column k % KW"), _max_column_major),
        mistake("overlapping windows overwrite", _OVERWRITE, _max_overwrite),
        mistake("padding cropped at one end", _CROP, _max_corner_crop),
    ),
))

# -- average pooling ---------------------------------------------------------------------


def _real_counts(x, kernel, stride, pad):
    """Real (unpadded) pixels in each window, (N, C, H_out, W_out)."""
    return pool_any(np.ones_like(x), kernel, stride, pad, "avg", 0.0) * (kernel[0] * kernel[1])


def _avg_sum(x, kernel_size=2, stride=None, pad=0):
    out, cache = F.avg_pool_forward(x, kernel_size, stride, pad)
    return out * (cache.kernel_size[0] * cache.kernel_size[1]), cache


def _avg_as_max(x, kernel_size=2, stride=None, pad=0):
    return _library(F.avg_pool_forward, x, kernel_size, stride, pad,
                    F.max_pool_forward(x, kernel_size, stride, pad)[0])


def _avg_stride_one(x, kernel_size=2, stride=None, pad=0):
    kernel, _, pad_ = pool_geometry(kernel_size, stride, pad)
    return _library(F.avg_pool_forward, x, kernel_size, stride, pad, pool_any(x, kernel, (1, 1), pad_, "avg", 0.0))


def _avg_exclude_pad(x, kernel_size=2, stride=None, pad=0):
    kernel, stride_, pad_ = pool_geometry(kernel_size, stride, pad)
    out, cache = F.avg_pool_forward(x, kernel_size, stride, pad)
    return out * (kernel[0] * kernel[1]) / _real_counts(x, kernel, stride_, pad_), cache


def _avg_no_padding(x, kernel_size=2, stride=None, pad=0):
    kernel, stride_, _ = pool_geometry(kernel_size, stride, pad)
    return _library(F.avg_pool_forward, x, kernel_size, stride, pad, pool_any(x, kernel, stride_, (0, 0), "avg", 0.0))


_EXCLUDE = N_("windows over the padding are averaged over their real pixels only: the course counts the "
              "zero padding in the average (PyTorch's count_include_pad=True), always dividing by KH * KW")

register(Exercise(
    id="avg_pool_forward", notebook="06", kind="forward", op="avg_pool_forward",
    title=N_("avg_pool_forward(x, kernel_size=2, stride=None, pad=0): mean of each window of the zero-padded "
             "input (divisor KH*KW), cache PoolCache with argmax None"),
    reference=F.avg_pool_forward, backward=F.avg_pool_backward, cases=pool_cases,
    mistakes=(
        mistake("sum instead of mean",
                N_("the output is KH * KW times too large: divide each window's sum by its KH * KW pixels"),
                _avg_sum),
        mistake("max instead of mean", N_("the output is each window's maximum, not its mean"), _avg_as_max),
        mistake("stride ignored", _STRIDE, _avg_stride_one),
        mistake("padding not counted", _EXCLUDE, _avg_exclude_pad),
        mistake("padding ignored", _NO_PAD, _avg_no_padding),
    ),
))


def _avg_route(dout, cache, share, *, overwrite=False, corner=False):
    kh, kw = cache.kernel_size
    blocks = np.broadcast_to(share[..., None, None], (*share.shape, kh, kw))
    dx = scatter_windows(dout, blocks, cache.x_shape, cache.kernel_size, cache.stride, cache.pad,
                         overwrite=overwrite)
    return F.InputGrads(crop(dx, (0, 0) if corner else cache.pad, cache.x_shape).copy())


def _even(dout, cache):
    return np.full(dout.shape, 1 / (cache.kernel_size[0] * cache.kernel_size[1]))


def _avg_no_scale(dout, cache):
    return _avg_route(dout, cache, np.ones(dout.shape))


def _avg_overwrite(dout, cache):
    return _avg_route(dout, cache, _even(dout, cache), overwrite=True)


def _avg_corner_crop(dout, cache):
    return _avg_route(dout, cache, _even(dout, cache), corner=True)


def _avg_exclude_pad_backward(dout, cache):
    counts = _real_counts(np.zeros(cache.x_shape), cache.kernel_size, cache.stride, cache.pad)
    return _avg_route(dout, cache, 1 / counts)


register(Exercise(
    id="avg_pool_backward", notebook="06", kind="backward", op="avg_pool_backward",
    title=N_("avg_pool_backward(dout, cache): InputGrads(dx (N, C, H, W)); each window spreads "
             "dout / (KH*KW) over its pixels"),
    reference=F.avg_pool_backward, forward=F.avg_pool_forward, cases=pool_cases,
    mistakes=(
        mistake("missing 1/(KH*KW)",
                N_("dx is KH * KW times too large: each pixel counts 1/(KH * KW) in its window's mean, so it "
                   "receives that share of dout"), _avg_no_scale),
        mistake("overlapping windows overwrite",
                N_("where windows overlap, a pixel keeps only the last window's share: use += so that the "
                   "shares of every window containing it add up"), _avg_overwrite),
        mistake("padding cropped at one end", _CROP, _avg_corner_crop),
        mistake("padding not counted", _EXCLUDE, _avg_exclude_pad_backward),
    ),
))
