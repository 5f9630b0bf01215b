"""2-D convolution (cross-correlation, as in every deep-learning library).

Two implementations with one signature:

* :func:`conv2d_forward_naive` / :func:`conv2d_backward_naive` loop over
  examples, filters and output pixels: the definition, written out.
* :func:`conv2d_forward` / :func:`conv2d_backward` unroll patches with
  :func:`~cnnlab.functional.im2col.im2col` and do one matrix product.

Their caches are interchangeable, so either backward accepts either forward's
cache, and tests check that the two agree to 1e-10.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import (check_dout, check_float_array, check_ndim, output_size, pair,
                       shape_str)
from .im2col import col2im, im2col


class Conv2dGrads(NamedTuple):
    """Gradients with respect to the inputs of a conv2d forward."""

    dx: np.ndarray  #: (N, C, H, W)
    dw: np.ndarray  #: (F, C, KH, KW)
    db: np.ndarray | None  #: (F,), or None when the forward had no bias


class Conv2dCache(NamedTuple):
    """What a conv2d backward needs from its forward."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    stride: tuple[int, int]
    pad: tuple[int, int]
    cols: np.ndarray | None  #: im2col(x), kept by the fast forward; None from the naive one

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        """``(N, F, H_out, W_out)``, the shape of the forward output and of ``dout``."""
        (sh, sw), (ph, pw) = self.stride, self.pad
        h_out = (self.x.shape[2] + 2 * ph - self.w.shape[2]) // sh + 1
        w_out = (self.x.shape[3] + 2 * pw - self.w.shape[3]) // sw + 1
        return self.x.shape[0], self.w.shape[0], h_out, w_out


def _conv2d_setup(x, w, b, stride, pad):
    """Validate the arguments; return ``(stride, pad, (H_out, W_out))`` as int pairs."""
    layer = "conv2d"
    check_float_array(layer, "x", x)
    check_float_array(layer, "w", w)
    check_ndim(layer, "x", x, 4, "(N, C, H, W)")
    check_ndim(layer, "w", w, 4, "(F, C, KH, KW)")
    stride = pair(layer, "stride", stride, minimum=1)
    pad = pair(layer, "pad", pad, minimum=0)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"{layer}: x has {x.shape[1]} channels but w of shape {shape_str(w.shape)} "
                         f"expects C = {w.shape[1]}; got x of shape {shape_str(x.shape)}")
    if b is not None:
        check_float_array(layer, "b", b)
        if b.shape != (w.shape[0],):
            raise ValueError(f"{layer}: expected b of shape ({w.shape[0]},), one per filter, "
                             f"got shape {shape_str(b.shape)}")
    h_out = output_size(layer, x.shape[2], w.shape[2], stride[0], pad[0], "height")
    w_out = output_size(layer, x.shape[3], w.shape[3], stride[1], pad[1], "width")
    return stride, pad, (h_out, w_out)


def conv2d_forward_naive(x, w, b=None, stride=1, pad=0):
    """Convolution forward, by loops: the definition of the layer.

    ``out[n, f, i, j] = b[f] + sum_{c, p, q} w[f, c, p, q] * x_pad[n, c, i*SH + p, j*SW + q]``

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, KH, KW)
        F filters; kernels may be rectangular (KH != KW).
    b : ndarray, shape (F,), or None
    stride : int or (SH, SW)
    pad : int or (PH, PW)
        Zeros added on each side of the height and width.

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out)
        ``H_out = (H + 2*PH - KH) // SH + 1``, ``W_out = (W + 2*PW - KW) // SW + 1``;
        the division must be exact (a stride that leaves pixels over raises).
    cache : Conv2dCache
    """
    stride, pad, (h_out, w_out) = _conv2d_setup(x, w, b, stride, pad)
    n_examples, n_filters = x.shape[0], w.shape[0]
    kh, kw = w.shape[2:]
    (sh, sw), (ph, pw) = stride, pad
    x_pad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((n_examples, n_filters, h_out, w_out), dtype=np.result_type(x, w))
    for n in range(n_examples):
        for f in range(n_filters):
            for i in range(h_out):
                for j in range(w_out):
                    patch = x_pad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[n, f, i, j] = np.sum(patch * w[f])
            if b is not None:
                out[n, f] += b[f]
    return out, Conv2dCache(x, w, b, stride, pad, cols=None)


def conv2d_backward_naive(dout, cache):
    """Convolution backward, by loops.

    Each output pixel ``out[n, f, i, j]`` was ``sum(patch * w[f]) + b[f]``, so
    its gradient ``g = dout[n, f, i, j]`` flows back as
    ``dw[f] += g * patch``, ``dpatch += g * w[f]`` and ``db[f] += g``.

    Parameters
    ----------
    dout : ndarray, shape (N, F, H_out, W_out)
    cache : Conv2dCache, from either conv2d forward

    Returns
    -------
    Conv2dGrads
        ``dx`` (N, C, H, W), ``dw`` (F, C, KH, KW), ``db`` (F,) or None.
    """
    x, w, b, (sh, sw), (ph, pw), _ = cache
    check_dout("conv2d", dout, cache.out_shape)
    n_examples, n_filters, h_out, w_out = cache.out_shape
    h, wd = x.shape[2:]
    kh, kw = w.shape[2:]
    x_pad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    dx_pad = np.zeros_like(x_pad, dtype=np.result_type(x, w, dout))
    dw = np.zeros_like(w, dtype=dx_pad.dtype)
    for n in range(n_examples):
        for f in range(n_filters):
            for i in range(h_out):
                for j in range(w_out):
                    rows = slice(i * sh, i * sh + kh)
                    cols = slice(j * sw, j * sw + kw)
                    g = dout[n, f, i, j]
                    dw[f] += g * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += g * w[f]
    dx = dx_pad[:, :, ph:ph + h, pw:pw + wd]
    db = dout.sum(axis=(0, 2, 3)) if b is not None else None
    return Conv2dGrads(dx, dw, db)


def conv2d_forward(x, w, b=None, stride=1, pad=0):
    """Convolution forward as one matrix product over im2col patches.

    Same arguments, output and formula as :func:`conv2d_forward_naive`:
    ``out = im2col(x) @ w.reshape(F, C*KH*KW).T + b``, reshaped to NCHW.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, KH, KW)
    b : ndarray, shape (F,), or None
    stride : int or (SH, SW)
    pad : int or (PH, PW)

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out)
        ``H_out = (H + 2*PH - KH) // SH + 1``, ``W_out = (W + 2*PW - KW) // SW + 1``.
    cache : Conv2dCache
        Keeps the unrolled patches for the backward pass.
    """
    stride, pad, (h_out, w_out) = _conv2d_setup(x, w, b, stride, pad)
    n_filters = w.shape[0]
    cols = im2col(x, w.shape[2:], stride, pad)  # (N*H_out*W_out, C*KH*KW)
    out_rows = cols @ w.reshape(n_filters, -1).T  # (N*H_out*W_out, F)
    if b is not None:
        out_rows += b
    out = out_rows.reshape(x.shape[0], h_out, w_out, n_filters).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(out), Conv2dCache(x, w, b, stride, pad, cols)


def conv2d_backward(dout, cache):
    """Convolution backward with im2col/col2im.

    With ``X = im2col(x)`` and ``D = dout`` as rows (N*H_out*W_out, F):
    ``dw = D.T @ X``, ``dx = col2im(D @ w.reshape(F, -1))`` and ``db = sum(D)``.

    Parameters
    ----------
    dout : ndarray, shape (N, F, H_out, W_out)
    cache : Conv2dCache, from either conv2d forward

    Returns
    -------
    Conv2dGrads
        ``dx`` (N, C, H, W), ``dw`` (F, C, KH, KW), ``db`` (F,) or None.
    """
    x, w, b, stride, pad, cols = cache
    check_dout("conv2d", dout, cache.out_shape)
    n_filters = w.shape[0]
    if cols is None:  # a cache from the naive forward
        cols = im2col(x, w.shape[2:], stride, pad)
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, n_filters)  # (N*H_out*W_out, F)
    dw = (dout_rows.T @ cols).reshape(w.shape)
    dcols = dout_rows @ w.reshape(n_filters, -1)
    dx = col2im(dcols, x.shape, w.shape[2:], stride, pad)
    db = dout.sum(axis=(0, 2, 3)) if b is not None else None
    return Conv2dGrads(dx, dw, db)
