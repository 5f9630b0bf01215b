"""Notebook 05, convolution backward: the general backward, and the stride-1 one built
from forward convolutions."""

from __future__ import annotations

from ... import functional as F
from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import conv_any, mistake, pad_hw
from .nb04 import conv_case, conv_cases


def _grads(dout, cache, *, dx=None, dw=None, db=None):
    right = F.conv2d_backward(dout, cache)
    return F.Conv2dGrads(right.dx if dx is None else dx, right.dw if dw is None else dw,
                         right.db if db is None or cache.b is None else db)


def _not_rotated(dout, cache):
    flipped = cache._replace(w=cache.w[:, :, ::-1, ::-1].copy())
    return _grads(dout, cache, dx=F.conv2d_backward(dout, flipped).dx)


def _dw_transposed(dout, cache):
    return _grads(dout, cache, dw=F.conv2d_backward(dout, cache).dw.transpose(1, 0, 2, 3).copy())


def _dw_rotated(dout, cache):
    return _grads(dout, cache, dw=F.conv2d_backward(dout, cache).dw[:, :, ::-1, ::-1].copy())


def _db_mean(dout, cache):
    return _grads(dout, cache, db=dout.sum(axis=(2, 3)).mean(axis=0))


def _db_per_example(dout, cache):
    return _grads(dout, cache, db=dout.sum(axis=(2, 3)))


def _db_per_pixel(dout, cache):
    return _grads(dout, cache, db=dout.sum(axis=0))


def _not_cropped(dout, cache):
    padded = F.Conv2dCache(pad_hw(cache.x, cache.pad), cache.w, cache.b, cache.stride, (0, 0), None)
    return _grads(dout, cache, dx=F.conv2d_backward(dout, padded).dx)


_ROTATION = N_("dx looks like dout correlated with the kernel *not* rotated by 180 degrees: each input pixel "
               "meets the kernel taps in reverse order, so rotate w (w[:, :, ::-1, ::-1]) for the full "
               "convolution")
_DW_T = N_("dw has shape (C, F, KH, KW): the gradient of w must have w's own shape, (F, C, KH, KW), so "
           "filters come first")
_DW_ROT = N_("dw is rotated by 180 degrees: dw[f, c] is the cross-correlation of the input with dout, no "
             "rotation needed (only dx rotates the kernel)")
_DB_MEAN = N_("db is the batch mean: each filter's bias is added at every pixel of every example, so sum "
              "dout over the batch as well as the pixels")
_DB_N = N_("db has one row per example, (N, F): b[f] is shared by the batch, so sum dout over axis 0 too")
_DB_PIX = N_("db has one value per output pixel, (F, H_out, W_out): b[f] is added at every pixel, so sum "
             "dout over the height and width axes too")

BACKWARD_MISTAKES = (
    mistake("kernel not rotated", _ROTATION, _not_rotated),
    mistake("dw transposed", _DW_T, _dw_transposed),
    mistake("dw rotated", _DW_ROT, _dw_rotated),
    mistake("db mean over the batch", _DB_MEAN, _db_mean),
    mistake("db not summed over the batch", _DB_N, _db_per_example),
    mistake("db not summed over the pixels", _DB_PIX, _db_per_pixel),
)

register(Exercise(
    id="conv2d_backward", notebook="05", kind="backward", op="conv2d_backward",
    title=N_("conv2d_backward(dout, cache): Conv2dGrads(dx (N, C, H, W), dw (F, C, KH, KW), db (F,) or None) "
             "for any stride, padding and kernel shape"),
    reference=F.conv2d_backward, forward=F.conv2d_forward, cases=conv_cases,
    gradcheck=dict(h=1e-3),  # linear in x, in w and in b: a larger step only reduces rounding error
    mistakes=BACKWARD_MISTAKES + (
        mistake("padding not cropped",
                N_("dx has the padded input's shape: the gradient reaching the zero padding belongs to no "
                   "input pixel, so crop PH rows and PW columns from each side"), _not_cropped),
    ),
))

# -- stride 1, no padding, from forward convolutions -------------------------------------


def stride1_cases(rng):
    cases = [
        conv_case(rng, _("3x2 kernel"), 2, 2, 3, (3, 2), (1, 1), (0, 0), size=(4, 3)),
        conv_case(rng, _("a batch of one, 2x2 kernel"), 1, 3, 2, (2, 2), (1, 1), (0, 0)),
        conv_case(rng, _("1x1 kernel"), 2, 2, 3, (1, 1), (1, 1), (0, 0)),
        conv_case(rng, _("kernel as large as the input"), 2, 1, 2, (3, 3), (1, 1), (0, 0), size=(3, 3)),
        conv_case(rng, _("no bias, 2x3 kernel"), 2, 2, 2, (2, 3), (1, 1), (0, 0), bias=False),
    ]
    # the exercise's setting: stride 1 and no padding, left to the forward's defaults
    return [Case(case.label, case.args[:3]) for case in cases]


def _same_padding(dout, cache):
    kh, kw = cache.w.shape[2:]
    w_rot = cache.w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
    return _grads(dout, cache, dx=conv_any(dout, w_rot, None, 1, ((kh - 1) // 2, (kw - 1) // 2)))


register(Exercise(
    id="conv2d_backward_via_forward", notebook="05", kind="backward",
    title=N_("conv2d_backward_via_forward(dout, cache): the stride-1, unpadded backward built from "
             "conv2d_forward calls, Conv2dGrads(dx, dw, db)"),
    reference=F.conv2d_backward, forward=F.conv2d_forward, cases=stride1_cases, gradcheck=dict(h=1e-3),
    mistakes=BACKWARD_MISTAKES + (
        mistake("dout not padded fully",
                N_("dx is too small: for the full convolution pad dout by KH - 1 rows and KW - 1 columns on "
                   "each side, so that every kernel tap meets every input pixel"), _same_padding),
    ),
))
