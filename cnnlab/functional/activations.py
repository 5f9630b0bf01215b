"""Elementwise activations: ReLU, sigmoid and tanh.

Each forward maps ``x`` of any shape to ``out`` of the same shape; each backward
multiplies the upstream gradient by the local derivative, written in terms of
whatever the forward cached.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_dout, check_float_array
from ._grads import InputGrads


def relu_forward(x):
    """ReLU forward: ``out = max(x, 0)``.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, same shape as x
    cache : ndarray
        ``x`` itself, to know where it was positive.
    """
    check_float_array("relu", "x", x)
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """ReLU backward: ``dx = dout * (x > 0)``.

    The derivative at exactly ``x = 0`` is taken to be 0, as in PyTorch.

    Parameters
    ----------
    dout : ndarray, same shape as x
    cache : from :func:`relu_forward`

    Returns
    -------
    InputGrads
        ``dx``, same shape as x.
    """
    x = cache
    check_dout("relu", dout, x.shape)
    return InputGrads(np.where(x > 0, dout, 0).astype(dout.dtype, copy=False))


def sigmoid_forward(x):
    """Sigmoid forward: ``out = 1 / (1 + exp(-x))``.

    Written so that ``exp`` never sees a large positive argument: for ``x < 0``
    the equal form ``exp(x) / (1 + exp(x))`` is used, so no overflow warning.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, same shape as x, values in [0, 1]
    cache : ndarray
        ``e = exp(-|x|)``, from which the backward computes the derivative.
    """
    check_float_array("sigmoid", "x", x)
    e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
    out = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return out, e


def sigmoid_backward(dout, cache):
    """Sigmoid backward: ``dx = dout * out * (1 - out)``.

    Computed as ``e / (1 + e)**2`` with ``e = exp(-|x|)``, which equals
    ``out * (1 - out)`` for either sign of x but stays accurate where ``out``
    rounds to 1 (at x = 30, ``1 - out`` keeps only three correct digits).

    Parameters
    ----------
    dout : ndarray, same shape as x
    cache : from :func:`sigmoid_forward`

    Returns
    -------
    InputGrads
        ``dx``, same shape as x.
    """
    e = cache
    check_dout("sigmoid", dout, e.shape)
    return InputGrads(dout * (e / (1 + e) ** 2))


def tanh_forward(x):
    """Tanh forward: ``out = tanh(x)``.

    Parameters
    ----------
    x : ndarray, any shape

    Returns
    -------
    out : ndarray, same shape as x, values in (-1, 1)
    cache : ndarray
        ``out``: the derivative is ``1 - out**2``.
    """
    check_float_array("tanh", "x", x)
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """Tanh backward: ``dx = dout * (1 - out**2)``.

    Parameters
    ----------
    dout : ndarray, same shape as x
    cache : from :func:`tanh_forward`

    Returns
    -------
    InputGrads
        ``dx``, same shape as x.
    """
    out = cache
    check_dout("tanh", dout, out.shape)
    return InputGrads(dout * (1 - out * out))
