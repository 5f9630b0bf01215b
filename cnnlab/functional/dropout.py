"""Inverted dropout."""

from __future__ import annotations

from numbers import Real

import numpy as np

from .._checks import check_dout, check_float_array
from ._grads import InputGrads


def dropout_forward(x, p, *, train=True, rng=None):
    """Inverted dropout forward.

    In train mode every value is zeroed with probability ``p`` and the survivors
    are scaled by ``1 / (1 - p)``, so the expected output equals ``x`` and eval
    mode needs no rescaling: there the layer is the identity.

    Parameters
    ----------
    x : ndarray, any shape
    p : float in [0, 1)
        Probability of dropping a value (PyTorch's convention, not "keep").
    train : bool
    rng : numpy.random.Generator, required in train mode
        Source of the random mask; the same generator state gives the same mask.

    Returns
    -------
    out : ndarray, same shape as x
    cache : ndarray or None
        The scaled mask ``keep / (1 - p)`` (train), or None (eval).
    """
    layer = "dropout"
    check_float_array(layer, "x", x)
    if not isinstance(p, Real) or isinstance(p, bool) or not 0 <= p < 1:
        raise ValueError(f"{layer}: expected a drop probability p in [0, 1), got {p!r}")
    if not train:
        return x.copy(), None
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{layer}: train mode needs rng, a numpy.random.Generator "
                        f"(e.g. np.random.default_rng(0)), got {type(rng).__name__}")
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    """Inverted dropout backward: ``dx = dout * mask`` (``dout`` itself in eval mode).

    Parameters
    ----------
    dout : ndarray, same shape as x
    cache : from :func:`dropout_forward`

    Returns
    -------
    InputGrads
        ``dx``, same shape as x.
    """
    mask = cache
    if mask is None:
        check_float_array("dropout", "dout", dout)
        return InputGrads(dout.copy())
    check_dout("dropout", dout, mask.shape)
    return InputGrads(dout * mask)
