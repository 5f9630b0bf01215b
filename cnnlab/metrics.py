"""Classification metrics: accuracy, per-class accuracy and the confusion matrix.

Pure functions of integer labels. Predictions may be given as class indices
``(N,)`` or as class scores / probabilities ``(N, K)``, whose ``argmax`` along
axis 1 is then the predicted class.

>>> import numpy as np
>>> y_true = np.array([0, 1, 2, 2])
>>> y_pred = np.array([0, 2, 2, 2])
>>> accuracy(y_true, y_pred)
0.75
>>> confusion_matrix(y_true, y_pred, num_classes=3)
array([[1, 0, 0],
       [0, 0, 1],
       [0, 0, 2]])
>>> per_class_accuracy(y_true, y_pred, num_classes=3)
array([1., 0., 1.])
"""

from __future__ import annotations

import numpy as np

from ._checks import shape_str
from ._options import check_int

__all__ = ["accuracy", "per_class_accuracy", "confusion_matrix"]


def _labels(func: str, name: str, y) -> np.ndarray:
    if not isinstance(y, np.ndarray):
        raise TypeError(f"{func}: expected {name} to be a numpy.ndarray of integer class labels, "
                        f"got {type(y).__name__}")
    if y.ndim != 1:
        raise ValueError(f"{func}: expected {name} of shape (N,), got shape {shape_str(y.shape)}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{func}: expected integer class labels in {name}, got dtype {y.dtype}")
    return y


def _pair(func: str, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Check both label arrays; turn scores (N, K) into predicted classes (N,)."""
    y_true = _labels(func, "y_true", y_true)
    if isinstance(y_pred, np.ndarray) and y_pred.ndim == 2:
        if not np.issubdtype(y_pred.dtype, np.number):
            raise TypeError(f"{func}: expected y_pred scores (N, K) to be numbers, got dtype {y_pred.dtype}")
        if y_pred.shape[1] == 0:
            raise ValueError(f"{func}: y_pred scores of shape {shape_str(y_pred.shape)} have no classes")
        y_pred = y_pred.argmax(axis=1)
    y_pred = _labels(func, "y_pred (class indices (N,) or scores (N, K))", y_pred)
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(f"{func}: y_true and y_pred must have the same length, got "
                         f"{y_true.shape[0]} and {y_pred.shape[0]}")
    return y_true, y_pred


def _check_range(func: str, y_true, y_pred, num_classes: int) -> None:
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= num_classes):
            bad = np.unique(y[(y < 0) | (y >= num_classes)])
            raise ValueError(f"{func}: expected labels in 0..{num_classes - 1} "
                             f"(num_classes={num_classes}), got {bad.tolist()} in {name}")


def accuracy(y_true, y_pred) -> float:
    """Fraction of examples whose predicted class is the true one.

    Parameters
    ----------
    y_true : ndarray, shape (N,), int
    y_pred : ndarray, shape (N,) int class indices, or (N, K) scores

    Returns
    -------
    float in [0, 1]
    """
    y_true, y_pred = _pair("accuracy", y_true, y_pred)
    if y_true.shape[0] == 0:
        raise ValueError("accuracy: expected at least one example, got empty arrays")
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs.

    Parameters
    ----------
    y_true : ndarray, shape (N,), int in 0..K-1
    y_pred : ndarray, shape (N,) int in 0..K-1, or (N, K) scores
    num_classes : int
        K.

    Returns
    -------
    cm : ndarray, shape (K, K), int64
        ``cm[i, j]`` = number of examples of true class ``i`` predicted as
        ``j``: rows are true classes, columns predictions; the diagonal holds
        the correct ones and ``cm.sum() == N``.
    """
    return _confusion("confusion_matrix", y_true, y_pred, num_classes)


def _confusion(func, y_true, y_pred, num_classes):
    y_true, y_pred = _pair(func, y_true, y_pred)
    num_classes = check_int(func, "num_classes", num_classes, low=1)
    _check_range(func, y_true, y_pred, num_classes)
    flat = y_true.astype(np.int64) * num_classes + y_pred.astype(np.int64)
    return np.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def per_class_accuracy(y_true, y_pred, num_classes: int) -> np.ndarray:
    """For each true class, the fraction of its examples predicted correctly (its recall).

    Parameters
    ----------
    y_true : ndarray, shape (N,), int in 0..K-1
    y_pred : ndarray, shape (N,) int, or (N, K) scores
    num_classes : int
        K.

    Returns
    -------
    ndarray, shape (K,), float64
        ``diag(cm) / cm.sum(axis=1)``; NaN for a class with no examples in
        ``y_true`` (its accuracy is undefined, not 0).
    """
    cm = _confusion("per_class_accuracy", y_true, y_pred, num_classes)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(cm) / np.maximum(support, 1), np.nan)
