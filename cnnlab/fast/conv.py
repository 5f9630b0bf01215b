"""Stride-1 convolution on (C, H, W, N) arrays: im2col and matrix products.

The same algorithm as :func:`cnnlab.functional.conv2d_forward`, re-laid out for
speed (see :mod:`cnnlab.fast.layout`):

* ``cols`` has one row per kernel tap ``(c, i, j)`` and one column per output
  pixel and example ``(y, x, n)``, so ``out = w.reshape(F, C*KH*KW) @ cols``
  comes out as (F, H_out, W_out, N) with no transpose;
* im2col loops over the ``KH * KW`` kernel offsets; each step copies one
  shifted window of the whole batch, in runs of ``W_out * N`` numbers;
* skinny kernels (conv1: 25 taps) are unrolled piece by piece, each piece used
  at once and never stored whole (:data:`SKINNY_MAX_TAPS`);
* col2im, im2col's adjoint, is a loop over the kernel offsets too, each step
  adding one window of the whole batch (1.6x faster than ``np.add.at``).

Only stride 1 is implemented (LeNet-5's convolutions); padding is done by the
caller (see :func:`cnnlab.fast.layout.nchw_to_chwn`), so ``x_pad`` is the
already padded input.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: Columns per piece of the products over all output pixels. conv1's are very
#: skinny: ``w @ cols`` is (6, 25) @ (25, 50176) at batch 64 and the weight
#: gradient ``cols @ dout.T`` is (25, 50176) @ (50176, 6). OpenBLAS ran them
#: 2-3x faster in pieces of 4,096 columns (which stay in cache and run on one
#: thread each) than in one call; conv2's weight gradient is no slower in pieces.
CHUNK = 4096
#: Kernels with at most this many taps (C*KH*KW; conv1 has 25, conv2 150) are
#: "skinny": little arithmetic per unrolled number, so moving ``cols`` through
#: memory costs more than building it. They are unrolled piece by piece, in the
#: forward pass and again in the backward one, each piece used while it is in
#: cache and never stored whole (5 MB for conv1 at batch 64). That made conv1's
#: products 13% faster and a training step 3% faster at batch 64, 20% at 256;
#: for conv2 the same was 10% slower per step.
SKINNY_MAX_TAPS = 64


class ConvCache(NamedTuple):
    """What :func:`conv2d_backward_chwn` needs from its forward."""

    x_pad: np.ndarray  #: (C, H_pad, W_pad, N), the padded input
    cols: np.ndarray | None  #: (C*KH*KW, H_out*W_out*N) unrolled input; None for skinny kernels
    w: np.ndarray  #: (F, C, KH, KW)


def im2col_chwn(x_pad, kh, kw):
    """Unroll every KH x KW window of a padded (C, H_pad, W_pad, N) batch.

    Parameters
    ----------
    x_pad : ndarray, shape (C, H_pad, W_pad, N)
    kh, kw : int, kernel height and width

    Returns
    -------
    cols : ndarray, shape (C*KH*KW, H_out*W_out*N)
        Row ``(c, i, j)`` holds ``x_pad[c, i:i + H_out, j:j + W_out, :]``,
        flattened; ``H_out = H_pad - KH + 1``, ``W_out = W_pad - KW + 1``.
    """
    c, h_pad, w_pad, n = x_pad.shape
    h_out, w_out = h_pad - kh + 1, w_pad - kw + 1
    cols = np.empty((c, kh, kw, h_out, w_out, n), dtype=x_pad.dtype)
    for i in range(kh):
        for j in range(kw):
            # tap (i, j) of every output pixel, all channels and examples at once
            cols[:, i, j] = x_pad[:, i:i + h_out, j:j + w_out, :]
    return cols.reshape(c * kh * kw, h_out * w_out * n)


def col2im_chwn(dcols, x_shape, kh, kw):
    """Add every column of ``dcols`` back onto its window: the adjoint of :func:`im2col_chwn`.

    ``col2im_chwn(w.reshape(F, -1).T @ dout, ...)`` is a convolution's input gradient.

    Parameters
    ----------
    dcols : ndarray, shape (C*KH*KW, H_out*W_out*N)
    x_shape : (C, H_pad, W_pad, N), the shape of the padded input
    kh, kw : int

    Returns
    -------
    dx_pad : ndarray, shape (C, H_pad, W_pad, N), a new array
    """
    c, h_pad, w_pad, n = x_shape
    h_out, w_out = h_pad - kh + 1, w_pad - kw + 1
    taps = dcols.reshape(c, kh, kw, h_out, w_out, n)
    dx_pad = np.zeros(x_shape, dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            dx_pad[:, i:i + h_out, j:j + w_out, :] += taps[:, i, j]
    return dx_pad


def _pieces(x_pad, kh, kw):
    """Unroll a padded batch piece by piece: yield ``(columns, cols_piece)``.

    Each piece is a block of whole output rows (or, when one row is longer than
    :data:`CHUNK` columns, part of one row) of at most ``CHUNK`` columns, so
    ``cols_piece`` equals ``im2col_chwn(x_pad, kh, kw)[:, columns]``; it is
    copied in one step from a sliding-window view of ``x_pad``.
    """
    c, h_pad, w_pad, n = x_pad.shape
    h_out, w_out = h_pad - kh + 1, w_pad - kw + 1
    if n == 0:  # a batch of 0: no columns, no pieces
        return
    # (C, H_out, W_out, N, KH, KW) -> (C, KH, KW, H_out, W_out, N): a view, nothing copied yet
    windows = sliding_window_view(x_pad, (kh, kw), axis=(1, 2)).transpose(0, 4, 5, 1, 2, 3)
    rows, xs = max(1, CHUNK // (w_out * n)), max(1, CHUNK // n)
    blocks = ([(y, min(y + rows, h_out), 0, w_out) for y in range(0, h_out, rows)] if w_out * n <= CHUNK
              else [(y, y + 1, x, min(x + xs, w_out)) for y in range(h_out) for x in range(0, w_out, xs)])
    for y0, y1, x0, x1 in blocks:
        piece = np.empty((c, kh, kw, y1 - y0, x1 - x0, n), dtype=x_pad.dtype)
        np.copyto(piece, windows[:, :, :, y0:y1, x0:x1])
        start = (y0 * w_out + x0) * n
        yield slice(start, start + piece[0, 0, 0].size), piece.reshape(c * kh * kw, -1)


def conv2d_forward_chwn(x_pad, w, b=None):
    """Stride-1 convolution of a padded (C, H_pad, W_pad, N) batch.

    Parameters
    ----------
    x_pad : ndarray, shape (C, H_pad, W_pad, N)
    w : ndarray, shape (F, C, KH, KW)
    b : ndarray, shape (F,), or None
        None also when a later step adds the bias (see :mod:`cnnlab.fast.stages`).

    Returns
    -------
    out : ndarray, shape (F, H_out, W_out, N)
        ``H_out = H_pad - KH + 1``, ``W_out = W_pad - KW + 1``.
    cache : ConvCache
    """
    n_filters, c, kh, kw = w.shape
    _, h_pad, w_pad, n = x_pad.shape
    h_out, w_out = h_pad - kh + 1, w_pad - kw + 1
    w_rows = w.reshape(n_filters, -1)
    if c * kh * kw <= SKINNY_MAX_TAPS:
        cols = None
        out = np.empty((n_filters, h_out * w_out * n), dtype=np.result_type(w, x_pad))
        for columns, cols_piece in _pieces(x_pad, kh, kw):
            np.matmul(w_rows, cols_piece, out=out[:, columns])
    else:
        cols = im2col_chwn(x_pad, kh, kw)
        out = w_rows @ cols  # (F, H_out*W_out*N)
    if b is not None:
        out += b[:, None]
    return out.reshape(n_filters, h_out, w_out, n), ConvCache(x_pad, cols, w)


def conv2d_backward_chwn(dout, cache, *, input_grad=True):
    """Gradients of :func:`conv2d_forward_chwn` (without the bias: ``db = dout.sum((1, 2, 3))``).

    With ``D = dout.reshape(F, -1)`` and ``X = cols``: ``dw = (X @ D.T).T`` (in
    column chunks of :data:`CHUNK`) and ``dx = col2im(w.reshape(F, -1).T @ D)``.

    Parameters
    ----------
    dout : ndarray, shape (F, H_out, W_out, N)
    cache : ConvCache
    input_grad : bool
        False skips the input gradient (the first layer of a network needs none
        for training), and ``dx_pad`` is None.

    Returns
    -------
    dx_pad : ndarray, shape (C, H_pad, W_pad, N), or None
        The gradient of the padded input; crop it to get the input's.
    dw : ndarray, shape (F, C, KH, KW)
    """
    x_pad, cols, w = cache
    n_filters, _, kh, kw = w.shape
    d = dout.reshape(n_filters, -1)
    # dw.T = cols @ d.T, summed over column pieces: OpenBLAS ran this
    # orientation ((K, P) @ (P, F)) about 1.8x faster than d @ cols.T for conv2
    if cols is None:  # a skinny kernel: unroll the input again, piece by piece
        pieces = _pieces(x_pad, kh, kw)
    else:
        pieces = ((slice(s, s + CHUNK), cols[:, s:s + CHUNK]) for s in range(0, d.shape[1], CHUNK))
    dw_t = np.zeros((w[0].size, n_filters), dtype=np.result_type(x_pad, dout))  # 0 for a batch of 0
    for columns, cols_piece in pieces:
        dw_t = dw_t + cols_piece @ d[:, columns].T  # (C*KH*KW, F): tiny, a new array is cheap
    dx_pad = None
    if input_grad:
        dx_pad = col2im_chwn(w.reshape(n_filters, -1).T @ d, x_pad.shape, kh, kw)
    return dx_pad, np.ascontiguousarray(dw_t.T).reshape(w.shape)
