"""Flatten: (N, d_1, ..., d_k) -> (N, d_1 * ... * d_k), between conv and linear layers."""

from __future__ import annotations

import numpy as np

from .._checks import check_dout, check_float_array, shape_str
from ._grads import InputGrads


def flatten_forward(x):
    """Flatten every example to one row.

    Parameters
    ----------
    x : ndarray, shape (N, d_1, ..., d_k), e.g. (N, C, H, W)

    Returns
    -------
    out : ndarray, shape (N, d_1 * ... * d_k)
        Row-major (C, H, W) order, as ``x.reshape(N, -1)``.
    cache : tuple
        The input shape.
    """
    check_float_array("flatten", "x", x)
    if x.ndim < 1:
        raise ValueError(f"flatten: expected x of shape (N, ...), got shape {shape_str(x.shape)}")
    # the row length is computed, not -1, so that a batch of 0 gives (0, D) too
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:], dtype=np.int64))).copy(), x.shape


def flatten_backward(dout, cache):
    """Flatten backward: reshape the gradient back to the input shape.

    Parameters
    ----------
    dout : ndarray, shape (N, d_1 * ... * d_k)
    cache : the input shape, from :func:`flatten_forward`

    Returns
    -------
    InputGrads
        ``dx``, shape (N, d_1, ..., d_k).
    """
    x_shape = cache
    check_dout("flatten", dout, (x_shape[0], int(np.prod(x_shape[1:]))))
    return InputGrads(dout.reshape(x_shape).copy())
