"""im2col and col2im: turn a convolution into one matrix product.

``im2col`` copies every receptive field (patch) of a padded input into one row
of a matrix; a convolution is then ``cols @ w.reshape(F, -1).T``. ``col2im`` is
its adjoint: it adds every row back onto the patch it came from, so where
patches overlap their gradients sum.

Both loop over the ``KH * KW`` kernel offsets, not over output pixels: each
step copies one strided slice of the whole batch, which NumPy does at memory
speed.
"""

from __future__ import annotations

import numpy as np


def im2col(x, kernel_size, stride, pad):
    """Unroll every patch of ``x`` into a row.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : (KH, KW)
    stride : (SH, SW)
    pad : (PH, PW)
        Zero padding added on each side.

    Returns
    -------
    cols : ndarray, shape (N * H_out * W_out, C * KH * KW)
        Row ``(n, i, j)`` (row-major) holds the patch under output pixel
        ``(i, j)`` of example ``n``, laid out as ``(C, KH, KW)``, where
        ``H_out = (H + 2*PH - KH) // SH + 1`` and likewise ``W_out``.
        Callers check that the windows fit (see ``_checks.output_size``).
    """
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, pad
    h_out = (h + 2 * ph - kh) // sh + 1
    w_out = (w + 2 * pw - kw) // sw + 1
    x_padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    patches = np.empty((n, h_out, w_out, c, kh, kw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            # every output pixel's (i, j)-th kernel tap, for the whole batch at once
            window = x_padded[:, :, i:i + sh * h_out:sh, j:j + sw * w_out:sw]
            patches[:, :, :, :, i, j] = window.transpose(0, 2, 3, 1)
    return patches.reshape(n * h_out * w_out, c * kh * kw)


def col2im(cols, x_shape, kernel_size, stride, pad):
    """Add every row of ``cols`` back onto its patch: the adjoint of :func:`im2col`.

    Parameters
    ----------
    cols : ndarray, shape (N * H_out * W_out, C * KH * KW)
    x_shape : (N, C, H, W)
        Shape of the unpadded input that ``im2col`` unrolled.
    kernel_size, stride, pad : pairs, as for :func:`im2col`

    Returns
    -------
    ndarray, shape (N, C, H, W)
        Entry ``x[n, c, y, z]`` is the sum of every element of ``cols`` that
        ``im2col`` copied from it (zero-padding positions are dropped).
    """
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, pad
    h_out = (h + 2 * ph - kh) // sh + 1
    w_out = (w + 2 * pw - kw) // sw + 1
    patches = cols.reshape(n, h_out, w_out, c, kh, kw)
    x_padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            x_padded[:, :, i:i + sh * h_out:sh, j:j + sw * w_out:sw] += (
                patches[:, :, :, :, i, j].transpose(0, 3, 1, 2))
    return x_padded[:, :, ph:ph + h, pw:pw + w]
