"""Affine (fully connected) layer: ``out = x.reshape(N, D) @ w + b``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_dout, check_features, check_float_array, check_shape, shape_str


class LinearGrads(NamedTuple):
    """Gradients of the loss with respect to the inputs of :func:`linear_forward`."""

    dx: np.ndarray  #: (N, d_1, ..., d_k), same shape as x
    dw: np.ndarray  #: (D, M)
    db: np.ndarray | None  #: (M,), or None when the forward had no bias


def _rows(x):
    """``x`` as (N, D) rows; ``D`` is computed, not ``-1``, so that a batch of 0 works too."""
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:], dtype=np.int64)))


def linear_forward(x, w, b=None):
    """Affine layer forward pass.

    Every example is flattened to a row of ``D = d_1 * ... * d_k`` numbers, so an
    image batch ``(N, C, H, W)`` feeds a linear layer directly.

    Parameters
    ----------
    x : ndarray, shape (N, d_1, ..., d_k)
        A batch of ``N`` examples.
    w : ndarray, shape (D, M)
        Weights, ``D = d_1 * ... * d_k`` inputs to ``M`` outputs.
    b : ndarray, shape (M,), or None
        Bias; ``None`` for a layer without one.

    Returns
    -------
    out : ndarray, shape (N, M)
        ``x.reshape(N, D) @ w + b``.
    cache : tuple
        What :func:`linear_backward` needs: ``(x, w, b)``.
    """
    layer = "linear"
    check_float_array(layer, "x", x)
    check_float_array(layer, "w", w)
    if x.ndim < 1 or w.ndim != 2:
        raise ValueError(f"{layer}: expected x of shape (N, d_1, ..., d_k) and w of shape (D, M), "
                         f"got x {shape_str(x.shape)} and w {shape_str(w.shape)}")
    x_rows = _rows(x)
    check_features(layer, x, x_rows.shape[1], w)
    out = x_rows @ w
    if b is not None:
        check_float_array(layer, "b", b)
        check_shape(layer, "b", b, (w.shape[1],))
        out = out + b
    return out, (x, w, b)


def linear_backward(dout, cache):
    """Affine layer backward pass.

    With ``X = x.reshape(N, D)`` and ``out = X @ w + b``:
    ``dX = dout @ w.T``, ``dw = X.T @ dout``, ``db = dout.sum(axis=0)``.

    Parameters
    ----------
    dout : ndarray, shape (N, M)
        Gradient of the loss with respect to ``out``.
    cache : tuple
        From :func:`linear_forward`.

    Returns
    -------
    LinearGrads
        ``dx`` shaped like ``x``, ``dw`` (D, M), ``db`` (M,) or ``None``.
    """
    x, w, b = cache
    check_dout("linear", dout, (x.shape[0], w.shape[1]))
    x_rows = _rows(x)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x_rows.T @ dout
    db = dout.sum(axis=0) if b is not None else None
    return LinearGrads(dx, dw, db)
