"""Notebook 04, convolution forward: output sizes, im2col, the conv layer, flatten.

Convolution cases pass ``stride`` and ``pad`` as the :class:`cnnlab.layers.Conv2d`
layer does, positionally and as ``(SH, SW)`` / ``(PH, PW)`` pairs.
"""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import conv_any, fitting_size, mistake, pad_hw, randn, windows

# -- conv_output_size --------------------------------------------------------------------


def conv_output_size(size, kernel, stride=1, pad=0):
    """Output height (or width) of a convolution: (size + 2*pad - kernel) // stride + 1, an int."""
    return (size + 2 * pad - kernel) // stride + 1


def output_size_cases(rng):
    kernel, stride, pad = (int(v) for v in rng.integers([1, 1, 0], [6, 4, 3]))
    size = fitting_size(rng, kernel, stride, pad, max_out=8)
    return [
        Case(_("LeNet's first conv: 28, kernel 5"), (28, 5)),
        Case(_("kernel 5, pad 2 ('same')"), (28, 5, 1, 2)),
        Case(_("kernel 3, stride 2, pad 1"), (7, 3, 2, 1)),
        Case(_("kernel as large as the input"), (5, 5)),
        Case(_("kernel 2, stride 2"), (12, 2, 2)),
        Case(_("random: size {size}, kernel {kernel}, stride {stride}, pad {pad}").format(
            size=size, kernel=kernel, stride=stride, pad=pad), (size, kernel, stride, pad)),
    ]


def _true_division(size, kernel, stride=1, pad=0):
    return (size + 2 * pad - kernel) / stride + 1


def _no_plus_one(size, kernel, stride=1, pad=0):
    return (size + 2 * pad - kernel) // stride


def _pad_once(size, kernel, stride=1, pad=0):
    return (size + pad - kernel) // stride + 1


def _pad_ignored(size, kernel, stride=1, pad=0):
    return (size - kernel) // stride + 1


def _stride_ignored(size, kernel, stride=1, pad=0):
    return size + 2 * pad - kernel + 1


register(Exercise(
    id="conv_output_size", notebook="04", kind="function", points=1,
    title=N_("conv_output_size(size, kernel, stride=1, pad=0): the output height (or width), an int"),
    reference=conv_output_size, cases=output_size_cases,
    mistakes=(
        mistake("true division",
                N_("the size is a float: divide with // so that the number of window positions is an int"),
                _true_division),
        mistake("forgot the +1",
                N_("one window too few: the first window sits at position 0 before any stride is taken, "
                   "hence the + 1"), _no_plus_one),
        mistake("padding added once",
                N_("the padding was counted on one side only: pad zeros go on both sides, 2 * pad"),
                _pad_once),
        mistake("padding ignored",
                N_("the padding is missing from the formula: the window slides over the padded input, "
                   "size + 2 * pad"), _pad_ignored),
        mistake("stride ignored",
                N_("the stride is missing: the number of positions is the free room divided by the stride, "
                   "plus one"), _stride_ignored),
    ),
))

# -- im2col ------------------------------------------------------------------------------


def im2col_cases(rng):
    return [
        Case(_("3x2 kernel, stride (2, 1), pad (1, 0)"), (randn(rng, 2, 2, 5, 4), (3, 2), (2, 1), (1, 0))),
        Case(_("a batch of one, 2x2 kernel, stride 2"), (randn(rng, 1, 3, 4, 4), (2, 2), (2, 2), (0, 0))),
        Case(_("3x3 kernel, pad 1 ('same')"), (randn(rng, 2, 1, 3, 3), (3, 3), (1, 1), (1, 1))),
        Case(_("1x1 kernel"), (randn(rng, 2, 2, 3, 2), (1, 1), (1, 1), (0, 0))),
    ]


def _patches(x, kernel, stride, pad):
    """(N, H_out, W_out, C, KH, KW), floored sizes."""
    return windows(pad_hw(x, pad), kernel, stride).transpose(0, 2, 3, 1, 4, 5)


def _rows(p):
    n, ho, wo, c, kh, kw = p.shape
    return p.reshape(n * ho * wo, c * kh * kw)


def _im2col_channels_last(x, kernel_size, stride, pad):
    p = _patches(x, kernel_size, stride, pad)
    return np.ascontiguousarray(p.transpose(0, 1, 2, 4, 5, 3)).reshape(p.shape[0] * p.shape[1] * p.shape[2], -1)


def _im2col_batch_last(x, kernel_size, stride, pad):
    p = _patches(x, kernel_size, stride, pad)
    return _rows(np.ascontiguousarray(p.transpose(1, 2, 0, 3, 4, 5)))


def _im2col_transposed(x, kernel_size, stride, pad):
    return F.im2col(x, kernel_size, stride, pad).T.copy()


def _im2col_no_pad(x, kernel_size, stride, pad):
    return _rows(_patches(x, kernel_size, stride, (0, 0)))


def _im2col_no_stride(x, kernel_size, stride, pad):
    return _rows(_patches(x, kernel_size, (1, 1), pad))


register(Exercise(
    id="im2col", notebook="04", kind="function",
    title=N_("im2col(x, kernel_size, stride, pad): (N*H_out*W_out, C*KH*KW), rows in (n, i, j) order, "
             "each row a patch laid out (C, KH, KW); kernel_size, stride, pad are pairs"),
    reference=F.im2col, cases=im2col_cases,
    mistakes=(
        mistake("patch laid out (KH, KW, C)",
                N_("each row holds the right numbers in the wrong order: lay a patch out channel first, "
                   "(C, KH, KW), to match w.reshape(F, -1)"), _im2col_channels_last),
        mistake("rows ordered (i, j, n)",
                N_("the rows are ordered by position first and example last: row order is (n, i, j), the "
                   "batch outermost"), _im2col_batch_last),
        mistake("one column per patch",
                N_("the matrix is transposed: here every patch is a row, (N*H_out*W_out, C*KH*KW)"),
                _im2col_transposed),
        mistake("padding ignored",
                N_("too few rows: pad the input with zeros on each side before cutting out the patches"),
                _im2col_no_pad),
        mistake("stride ignored",
                N_("too many rows: the window moves by the stride between patches, not by one pixel"),
                _im2col_no_stride),
    ),
))

# -- conv2d_forward ----------------------------------------------------------------------


def conv_case(rng, label, n, c, f, kernel, stride, pad, *, bias=True, size=None):
    """One conv case with x, w, b of these sizes and a (H, W) that fits exactly."""
    h, w = size or (fitting_size(rng, kernel[0], stride[0], pad[0]),
                    fitting_size(rng, kernel[1], stride[1], pad[1]))
    args = (randn(rng, n, c, h, w), randn(rng, f, c, *kernel), randn(rng, f) if bias else None, stride, pad)
    return Case(label, args)


def conv_cases(rng):
    return [
        conv_case(rng, _("3x2 kernel, stride (2, 1), pad (1, 0)"),
                       2, 2, 3, (3, 2), (2, 1), (1, 0), size=(3, 4)),
        conv_case(rng, _("3x3 kernel, stride 1, pad 1"), 2, 2, 3, (3, 3), (1, 1), (1, 1)),
        conv_case(rng, _("a batch of one, one channel"), 1, 1, 2, (3, 3), (1, 1), (0, 0)),
        conv_case(rng, _("1x1 kernel"), 2, 3, 2, (1, 1), (1, 1), (0, 0)),
        conv_case(rng, _("no bias, 2x3 kernel, stride (1, 2), pad (0, 1)"), 2, 2, 2, (2, 3), (1, 2), (0, 1),
                  bias=False),
        conv_case(rng, _("5x5 kernel, stride 2, pad 2"), 1, 2, 2, (5, 5), (2, 2), (2, 2)),
    ]


def _conv_with(x, w, b, stride, pad, out):
    return out, F.conv2d_forward(x, w, b, stride, pad)[1]


def _conv_flipped(x, w, b=None, stride=1, pad=0):
    return _conv_with(x, w, b, stride, pad, conv_any(x, w[:, :, ::-1, ::-1], b, stride, pad))


def _conv_no_pad(x, w, b=None, stride=1, pad=0):
    return _conv_with(x, w, b, stride, pad, conv_any(x, w, b, stride, 0))


def _conv_no_stride(x, w, b=None, stride=1, pad=0):
    return _conv_with(x, w, b, stride, pad, conv_any(x, w, b, 1, pad))


def _conv_no_bias(x, w, b=None, stride=1, pad=0):
    return _conv_with(x, w, b, stride, pad, conv_any(x, w, None, stride, pad))


def _conv_no_transpose(x, w, b=None, stride=1, pad=0):
    out, cache = F.conv2d_forward(x, w, b, stride, pad)
    rows = out.transpose(0, 2, 3, 1).reshape(-1, w.shape[0])  # the (N*H_out*W_out, F) product
    return rows.reshape(out.shape), cache


register(Exercise(
    id="conv2d_forward", notebook="04", kind="forward", op="conv2d_forward",
    title=N_("conv2d_forward(x, w, b=None, stride=1, pad=0): cross-correlation, out (N, F, H_out, W_out), "
             "cache Conv2dCache(x, w, b, stride pair, pad pair, cols)"),
    reference=F.conv2d_forward, backward=F.conv2d_backward, cases=conv_cases,
    gradcheck=dict(h=1e-3),  # linear in x, in w and in b: a larger step only reduces rounding error
    mistakes=(
        mistake("kernel flipped",
                N_("the output is a true convolution with the kernel flipped: deep-learning 'convolution' is "
                   "cross-correlation, sum(patch * w[f]) with w as it is"), _conv_flipped),
        mistake("padding ignored",
                N_("the output is too small: pad the input with PH rows and PW columns of zeros on each side "
                   "first"), _conv_no_pad),
        mistake("stride ignored",
                N_("the output is too large: the window moves by the stride (SH, SW), not by one pixel"),
                _conv_no_stride),
        mistake("bias forgotten",
                N_("the output lacks the bias: add b[f] to every pixel of output channel f"), _conv_no_bias),
        mistake("reshaped without transposing",
                N_("the numbers are right but scrambled: the product has one row per output pixel and one "
                   "column per filter, so reshape to (N, H_out, W_out, F) and move F to axis 1"),
                _conv_no_transpose),
    ),
))

# -- flatten -----------------------------------------------------------------------------


def flatten_cases(rng):
    return [
        Case(_("feature maps (2, 3, 2, 2)"), (randn(rng, 2, 3, 2, 2),)),
        Case(_("a batch of one (1, 2, 3, 3)"), (randn(rng, 1, 2, 3, 3),)),
        Case(_("already flat (3, 5)"), (randn(rng, 3, 5),)),
        Case(_("three axes (2, 3, 4)"), (randn(rng, 2, 3, 4),)),
    ]


def _flatten_all(x):
    return x.reshape(-1).copy(), x.shape


def _flatten_channels_last(x):
    moved = x.transpose(0, 2, 3, 1) if x.ndim == 4 else x
    return moved.reshape(x.shape[0], -1).copy(), x.shape


def _flatten_fortran(x):
    return x.reshape(x.shape[0], -1, order="F").copy(), x.shape


register(Exercise(
    id="flatten_forward", notebook="04", kind="forward", op="flatten_forward",
    title=N_("flatten_forward(x): (N, d_1, ..., d_k) -> (N, d_1*...*d_k) in row-major order, cache x.shape"),
    reference=F.flatten_forward, backward=F.flatten_backward, cases=flatten_cases,
    mistakes=(
        mistake("batch flattened too",
                N_("the result is one long vector: keep the batch axis, one row per example"), _flatten_all),
        mistake("channels last",
                N_("the values are in (H, W, C) order: flatten in NCHW's own row-major order, as x.reshape "
                   "does"),
                _flatten_channels_last),
        mistake("column-major order",
                N_("the values are in column-major (Fortran) order: use NumPy's default row-major (C) order"),
                _flatten_fortran),
    ),
))


def _unflatten_none(dout, cache):
    return F.InputGrads(dout.copy())


def _unflatten_channels_last(dout, cache):
    if len(cache) != 4:
        return F.InputGrads(dout.reshape(cache).copy())
    n, c, h, w = cache
    return F.InputGrads(np.ascontiguousarray(dout.reshape(n, h, w, c).transpose(0, 3, 1, 2)))


def _unflatten_fortran(dout, cache):
    return F.InputGrads(dout.reshape(cache, order="F").copy())


register(Exercise(
    id="flatten_backward", notebook="04", kind="backward", op="flatten_backward",
    title=N_("flatten_backward(dout, cache): InputGrads(dx), dout reshaped to the input shape (cache)"),
    reference=F.flatten_backward, forward=F.flatten_forward, cases=flatten_cases,
    mistakes=(
        mistake("not reshaped",
                N_("dx is still flat: reshape dout back to the input's shape, which the cache holds"),
                _unflatten_none),
        mistake("channels last",
                N_("dx is unflattened in (H, W, C) order: undo the forward's row-major NCHW flattening "
                   "exactly"),
                _unflatten_channels_last),
        mistake("column-major order",
                N_("dx is unflattened in column-major (Fortran) order: use the row-major order the forward "
                   "used"),
                _unflatten_fortran),
    ),
))
