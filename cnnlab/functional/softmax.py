"""Softmax, and softmax fused with the cross-entropy loss.

Both work on class scores ``x`` of shape (N, K): N examples, K classes, and
normalise along axis 1.
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from .._checks import check_dout, check_float_array, check_ndim, shape_str
from ._grads import InputGrads


def log_softmax(x):
    """``log(softmax(x))`` along axis 1, by the log-sum-exp trick.

    ``log softmax(x)_i = x_i - log sum_j exp(x_j)``. Subtracting each row's
    maximum first changes nothing mathematically, since softmax(x) =
    softmax(x - c), but keeps every ``exp`` argument <= 0, so ``exp`` cannot
    overflow and the largest term is exactly 1.

    Parameters
    ----------
    x : ndarray, shape (N, K)

    Returns
    -------
    ndarray, shape (N, K)
    """
    check_float_array("log_softmax", "x", x)
    check_ndim("log_softmax", "x", x, 2, "(N, K)")
    shifted = x - x.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_forward(x):
    """Softmax forward: ``out[n, i] = exp(x[n, i]) / sum_j exp(x[n, j])``.

    Parameters
    ----------
    x : ndarray, shape (N, K)
        Class scores (logits).

    Returns
    -------
    out : ndarray, shape (N, K)
        Probabilities: positive, each row sums to 1.
    cache : ndarray
        ``out``: the Jacobian is built from it alone.
    """
    check_float_array("softmax", "x", x)
    check_ndim("softmax", "x", x, 2, "(N, K)")
    out = np.exp(log_softmax(x))
    return out, out


def softmax_jacobian(p):
    """The full Jacobian of softmax, ``J[i, j] = d p_i / d x_j = p_i (delta_ij - p_j)``.

    On the diagonal (i = j) this is ``p_i (1 - p_i)``; off it, ``-p_i p_j``.

    Parameters
    ----------
    p : ndarray, shape (K,) or (N, K)
        Softmax probabilities.

    Returns
    -------
    ndarray, shape (K, K) or (N, K, K)
        ``diag(p) - outer(p, p)`` for each example.
    """
    check_float_array("softmax_jacobian", "p", p)
    if p.ndim not in (1, 2):
        raise ValueError(f"softmax_jacobian: expected p of shape (K,) or (N, K), "
                         f"got shape {shape_str(p.shape)}")
    diagonal = p[..., :, None] * np.eye(p.shape[-1], dtype=p.dtype)
    return diagonal - p[..., :, None] * p[..., None, :]


def softmax_backward_jacobian(dout, cache):
    """Softmax backward the slow, literal way: ``dx[n] = J[n].T @ dout[n]``.

    Builds the (K, K) Jacobian of every example; :func:`softmax_backward`
    computes the same product without it. Same signature, same result.
    """
    p = cache
    check_dout("softmax", dout, p.shape)
    jacobians = softmax_jacobian(p)  # (N, K, K)
    return InputGrads(np.einsum("nij,ni->nj", jacobians, dout))


def softmax_backward(dout, cache):
    """Softmax backward: the vector-Jacobian product without forming ``J``.

    ``dx_j = sum_i dout_i p_i (delta_ij - p_j) = p_j (dout_j - sum_i dout_i p_i)``.

    Parameters
    ----------
    dout : ndarray, shape (N, K)
    cache : from :func:`softmax_forward`

    Returns
    -------
    InputGrads
        ``dx``, shape (N, K).
    """
    p = cache
    check_dout("softmax", dout, p.shape)
    return InputGrads(p * (dout - (dout * p).sum(axis=1, keepdims=True)))


def _targets_as_distribution(layer, y, num_examples, num_classes, dtype):
    """Turn integer labels (N,) or one-hot / probability rows (N, K) into (N, K) floats."""
    if not isinstance(y, np.ndarray):
        raise TypeError(f"{layer}: expected y to be a numpy.ndarray of integer labels (N,) "
                        f"or one-hot rows (N, K), got {type(y).__name__}")
    if y.ndim == 1:
        if not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"{layer}: expected integer class labels y of shape (N,), "
                            f"got dtype {y.dtype}")
        if y.shape[0] != num_examples:
            raise ValueError(f"{layer}: expected y of shape ({num_examples},) to match "
                             f"x of shape ({num_examples}, {num_classes}), got shape {shape_str(y.shape)}")
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            bad = np.unique(y[(y < 0) | (y >= num_classes)])
            raise ValueError(f"{layer}: expected labels in 0..{num_classes - 1}, got {bad.tolist()}")
        targets = np.zeros((num_examples, num_classes), dtype=dtype)
        targets[np.arange(num_examples), y] = 1
        return targets
    if y.ndim == 2:
        if y.shape != (num_examples, num_classes):
            raise ValueError(f"{layer}: expected one-hot y of shape ({num_examples}, {num_classes}) "
                             f"to match x, got shape {shape_str(y.shape)}")
        targets = y.astype(dtype)
        row_sums = targets.sum(axis=1)
        if np.any(targets < 0) or not np.allclose(row_sums, 1, atol=1e-6):
            raise ValueError(f"{layer}: expected each row of one-hot y to be non-negative "
                             f"and sum to 1, got row sums in [{row_sums.min():.4g}, {row_sums.max():.4g}]")
        return targets
    raise ValueError(f"{layer}: expected y of shape (N,) or (N, K), got shape {shape_str(y.shape)}")


def softmax_cross_entropy_forward(x, y):
    """Mean cross-entropy of softmax probabilities against targets.

    ``loss = -(1/N) sum_n sum_k y[n, k] log softmax(x)[n, k]``, computed with
    log-sum-exp so that scores like 1000 neither overflow nor give ``log(0)``.

    Parameters
    ----------
    x : ndarray, shape (N, K)
        Class scores (logits).
    y : ndarray, shape (N,) of ints in 0..K-1, or shape (N, K)
        Integer class labels, or one-hot (or probability) rows summing to 1.

    Returns
    -------
    loss : float scalar (0-d, dtype of x)
    cache : tuple
        ``(probabilities (N, K), targets (N, K))``.
    """
    layer = "softmax_cross_entropy"
    check_float_array(layer, "x", x)
    check_ndim(layer, "x", x, 2, "(N, K)")
    num_examples, num_classes = x.shape
    if num_examples == 0:
        raise ValueError(f"{layer}: expected at least one example, got x of shape {shape_str(x.shape)}")
    targets = _targets_as_distribution(layer, y, num_examples, num_classes, x.dtype)
    log_p = log_softmax(x)
    # where a target is 0, log_p may be -inf in float32: 0 * -inf would be NaN
    loss = -(targets * np.where(targets > 0, log_p, 0)).sum() / num_examples
    return loss, (np.exp(log_p), targets)


def softmax_cross_entropy_backward(dout, cache):
    """Gradient of the mean cross-entropy: ``dx = dout * (p - y) / N``.

    The softmax Jacobian and the ``-y / p`` of the log collapse into ``p - y``.

    Parameters
    ----------
    dout : float
        Upstream gradient of the (scalar) loss; 1.0 when the loss is the output.
    cache : from :func:`softmax_cross_entropy_forward`

    Returns
    -------
    InputGrads
        ``dx``, shape (N, K).
    """
    p, targets = cache
    if isinstance(dout, np.ndarray):
        check_dout("softmax_cross_entropy", dout, ())
    elif not isinstance(dout, Real) or isinstance(dout, bool):
        raise TypeError(f"softmax_cross_entropy: expected dout to be a real number (the loss is a "
                        f"scalar), got {type(dout).__name__}")
    return InputGrads((p - targets) * (dout / p.shape[0]))
