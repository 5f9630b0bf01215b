"""Non-overlapping pooling on (C, H, W, N) arrays, as strided sub-grids.

With window = stride = K and no padding, the K*K pixels of every window sit in
K*K strided sub-grids of the input, ``x[:, i::K, j::K, :]`` for the offsets
``(i, j)``. Max pooling is the elementwise maximum of those sub-grids (2x
faster than reshaping to windows and reducing), average pooling their mean;
with the batch innermost each sub-grid is made of contiguous runs of N values.
H and W must be multiples of K (LeNet-5: 28 -> 14, 10 -> 5); other sizes are refused
with the reference pooling's message.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import output_size


class MaxPoolCache(NamedTuple):
    """What :func:`max_pool_backward_chwn` needs."""

    x: np.ndarray  #: (C, H, W, N), the input
    out: np.ndarray  #: (C, H/K, W/K, N), the maxima
    k: int


def subgrids(x, k):
    """The K*K strided views ``x[:, i::k, j::k, :]``, offsets in row-major order.

    Parameters
    ----------
    x : ndarray, shape (C, H, W, N), H and W multiples of k
    k : int

    Returns
    -------
    list of K*K views, each (C, H/K, W/K, N); writing to one writes to x
    """
    return [x[:, i::k, j::k, :] for i in range(k) for j in range(k)]


def _check_windows_fit(layer, x, k):
    """Raise, as the reference pooling does (``layer``: "max_pool" or "avg_pool"), unless K x K
    windows tile the (C, H, W, N) input: H and W multiples of K, and at least K."""
    output_size(layer, x.shape[1], k, k, 0, "height")
    output_size(layer, x.shape[2], k, k, 0, "width")


def max_pool_forward_chwn(x, k=2):
    """Max pooling, window and stride k.

    Parameters
    ----------
    x : ndarray, shape (C, H, W, N)
    k : int

    Returns
    -------
    out : ndarray, shape (C, H/K, W/K, N), a new array
    cache : MaxPoolCache
    """
    _check_windows_fit("max_pool", x, k)
    views = subgrids(x, k)
    out = np.maximum(views[0], views[1]) if len(views) > 1 else views[0].copy()
    for view in views[2:]:
        np.maximum(out, view, out=out)
    return out, MaxPoolCache(x, out, k)


def max_pool_backward_chwn(dout, cache):
    """Route each window's gradient to its first maximum (row-major), like the reference.

    The first-maximum rule matters: windows of equal values are common (a
    blank region of an image gives the same activation at every pixel), and
    sending the gradient to every tied pixel would multiply it.

    Parameters
    ----------
    dout : ndarray, shape (C, H/K, W/K, N); not modified
    cache : MaxPoolCache

    Returns
    -------
    dx : ndarray, shape (C, H, W, N), a new array
    """
    x, out, k = cache
    dx = np.empty(x.shape, dtype=dout.dtype)
    taken = None  # windows whose maximum was found at an earlier offset
    for view, dx_view in zip(subgrids(x, k), subgrids(dx, k)):
        won = view == out
        if taken is None:
            taken = won
        else:
            won &= ~taken  # a tie later in the window gets nothing
            taken |= won
        # the K*K sub-grids tile dx, so every entry of dx is written exactly once
        np.multiply(dout, won, out=dx_view)
    return dx


def avg_pool_forward_chwn(x, k=2):
    """Average pooling, window and stride k.

    Parameters
    ----------
    x : ndarray, shape (C, H, W, N)
    k : int

    Returns
    -------
    out : ndarray, shape (C, H/K, W/K, N)
    cache : (x.shape, k)
    """
    _check_windows_fit("avg_pool", x, k)
    views = subgrids(x, k)
    out = views[0].copy()
    for view in views[1:]:
        out += view
    out /= k * k
    return out, (x.shape, k)


def avg_pool_backward_chwn(dout, cache):
    """Every pixel of a window gets ``dout / (K*K)``.

    Parameters
    ----------
    dout : ndarray, shape (C, H/K, W/K, N); not modified
    cache : from :func:`avg_pool_forward_chwn`

    Returns
    -------
    dx : ndarray, shape (C, H, W, N)
    """
    x_shape, k = cache
    dx = np.empty(x_shape, dtype=dout.dtype)
    share = dout / (k * k)
    for dx_view in subgrids(dx, k):
        dx_view[...] = share
    return dx
