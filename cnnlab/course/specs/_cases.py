"""Shared pieces of the exercise specs: random inputs, window geometry, and loop-free
"any geometry" versions of convolution and pooling for writing wrong answers.

The wrong answers of the catalogue must compute *something* even where the
library would refuse the arguments (a convolution that ignores its padding no
longer fits the stride exactly), so the helpers here floor the output size
instead of raising, as a student's hand-written loop would.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def randn(rng, *shape):
    """Standard normal float64 array of ``shape``."""
    return rng.standard_normal(shape)


def away_from_zero(rng, *shape, low=0.1, high=2.0):
    """Float64 values with ``low <= |v| <= high``, random signs: safe for kinks at 0."""
    return rng.uniform(low, high, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def fitting_size(rng, kernel, stride, pad, max_out=4):
    """An input size whose windows tile the padded input exactly (the library refuses others)."""
    n_out = int(rng.integers(1, max_out + 1))
    size = (n_out - 1) * stride + kernel - 2 * pad
    while size < 1:
        size += stride
    return size


def pair(v):
    """``3`` -> ``(3, 3)``; a pair stays a pair."""
    return (int(v), int(v)) if np.ndim(v) == 0 else (int(v[0]), int(v[1]))


def quiet(fn):
    """Run a wrong answer with floating-point warnings silenced (overflow is its point)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    return wrapper


def pad_hw(x, pad, value=0.0):
    """Pad the last two axes of (N, C, H, W) by ``pad = (PH, PW)`` on each side."""
    ph, pw = pad
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def windows(x_padded, kernel, stride):
    """(N, C, H_out, W_out, KH, KW) view of every window; the output size is floored."""
    view = sliding_window_view(x_padded, tuple(kernel), axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1]]


def conv_any(x, w, b, stride, pad):
    """Cross-correlation for any geometry (floored output size), no fitting check."""
    cols = windows(pad_hw(x, pair(pad)), w.shape[2:], pair(stride))
    out = np.einsum("nchwij,fcij->nfhw", cols, w)
    return out if b is None else out + b[None, :, None, None]


def pool_geometry(kernel_size, stride, pad):
    """Int pairs ``(kernel, stride, pad)`` as the library reads them (stride None = kernel)."""
    kernel = pair(kernel_size)
    return kernel, kernel if stride is None else pair(stride), pair(pad)


def pool_any(x, kernel, stride, pad, how, fill):
    """Max (``how="max"``) or mean pooling for any geometry, padding with ``fill``."""
    wins = windows(pad_hw(x, pad, fill), kernel, stride)
    return wins.max(axis=(4, 5)) if how == "max" else wins.mean(axis=(4, 5))


def scatter_windows(dout, per_window, x_shape, kernel, stride, pad, *, overwrite=False):
    """Add (or, with ``overwrite``, assign) ``dout[n, c, i, j] * per_window[n, c, i, j]``
    (a (KH, KW) block per window) onto the padded input; return the padded gradient."""
    n, c, h, w = x_shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    dx = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    blocks = dout[..., None, None] * per_window
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            target = dx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            if overwrite:  # a bool per_window marks where to write; floats write everywhere
                where = per_window[:, :, i, j] if per_window.dtype == bool else np.ones(target.shape, bool)
                target[where] = blocks[:, :, i, j][where]
            else:
                target += blocks[:, :, i, j]
    return dx


def crop(dx_padded, pad, x_shape):
    """The centre (unpadded) part of a padded gradient."""
    ph, pw = pad
    return dx_padded[:, :, ph:ph + x_shape[2], pw:pw + x_shape[3]]


def to_rows(x):
    """(N, C, H, W) -> (N*H*W, C); (N, D) unchanged."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1]) if x.ndim == 4 else x


def from_rows(rows, shape):
    """Inverse of :func:`to_rows`."""
    if len(shape) != 4:
        return rows
    n, c, h, w = shape
    return np.ascontiguousarray(rows.reshape(n, h, w, c).transpose(0, 3, 1, 2))


def mistake(name, diagnosis, wrong):
    """A :class:`~cnnlab.course.catalog.Mistake` whose wrong answer runs without
    floating-point warnings (an overflowing formula is often the point)."""
    from ..catalog import Mistake

    return Mistake(name, diagnosis, quiet(wrong))
