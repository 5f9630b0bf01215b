"""Using a model without training it: scores, probabilities, classes, loss and accuracy.

Every function here runs the model inside :func:`~cnnlab.layers.eval_mode`
(batch norm uses its running statistics, dropout is off) on mini-batches of
``batch_size`` examples: the model is left as it was, modes and caches
included, even after an error. Nothing here draws random numbers or changes
parameters or buffers.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._checks import check_batch
from .._options import check_int
from ..layers import SoftmaxCrossEntropyLoss, eval_mode

__all__ = ["eval_mode", "predict_scores", "predict_proba", "predict", "evaluate"]

DEFAULT_BATCH_SIZE = 500


def predict_scores(model, x, batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
    """Class scores (logits) of every example, in eval mode.

    Parameters
    ----------
    model : cnnlab.layers.Module
        Maps (B, ...) to (B, K).
    x : ndarray, shape (N, ...), float
    batch_size : int >= 1

    Returns
    -------
    scores : ndarray, shape (N, K)
    """
    check_batch("predict_scores", x)
    batch_size = check_int("predict_scores", "batch_size", batch_size, low=1)
    with eval_mode(model):
        parts = [model.forward(x[start:start + batch_size]) for start in range(0, x.shape[0], batch_size)]
    return np.concatenate(parts, axis=0)


def predict_proba(model, x, batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
    """Softmax probabilities of every class, in eval mode.

    Returns
    -------
    probabilities : ndarray, shape (N, K)
        Rows are non-negative and sum to 1.
    """
    check_batch("predict_proba", x)
    return F.softmax_forward(predict_scores(model, x, batch_size))[0]


def predict(model, x, batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
    """The predicted class of every example: ``argmax`` of the scores, in eval mode.

    Returns
    -------
    classes : ndarray, shape (N,), int64
    """
    check_batch("predict", x)
    return predict_scores(model, x, batch_size).argmax(axis=1).astype(np.int64)


def evaluate(model, x, y, *, batch_size: int = DEFAULT_BATCH_SIZE, loss=None) -> tuple[float, float]:
    """Mean loss and accuracy over ``(x, y)``, in eval mode.

    Parameters
    ----------
    model : cnnlab.layers.Module
    x : ndarray, shape (N, ...), float
    y : ndarray, shape (N,), int labels
    batch_size : int >= 1
    loss : loss object with ``forward(scores, y) -> mean loss``, optional
        :class:`~cnnlab.layers.SoftmaxCrossEntropyLoss` by default.

    Returns
    -------
    loss : float
        The mean over all N examples (batch means weighted by batch size).
    accuracy : float
    """
    func = "evaluate"
    check_batch(func, x)
    batch_size = check_int(func, "batch_size", batch_size, low=1)
    if not isinstance(y, np.ndarray) or y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{func}: expected y to be integer labels of shape (N,), got "
                        f"{type(y).__name__} {getattr(y, 'shape', '')} {getattr(y, 'dtype', '')}")
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"{func}: x and y must have the same number of examples, got "
                         f"{x.shape[0]} and {y.shape[0]}")
    loss = SoftmaxCrossEntropyLoss() if loss is None else loss
    total_loss, correct = 0.0, 0
    with eval_mode(model):
        for start in range(0, x.shape[0], batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            scores = model.forward(xb)
            total_loss += float(loss.forward(scores, yb)) * yb.shape[0]
            correct += int(np.count_nonzero(scores.argmax(axis=1) == yb))
    return total_loss / x.shape[0], correct / x.shape[0]
