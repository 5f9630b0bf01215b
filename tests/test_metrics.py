"""Metrics: accuracy, per-class accuracy, confusion matrix."""

import numpy as np
import pytest

from cnnlab.metrics import accuracy, confusion_matrix, per_class_accuracy

Y_TRUE = np.array([0, 0, 1, 1, 1, 2, 2, 3])
Y_PRED = np.array([0, 1, 1, 1, 2, 2, 0, 3])


def test_accuracy():
    assert accuracy(Y_TRUE, Y_PRED) == 5 / 8
    assert accuracy(Y_TRUE, Y_TRUE) == 1.0


def test_accuracy_from_scores_takes_the_argmax():
    scores = np.eye(4)[Y_PRED] * 3.0 - 1.0
    assert accuracy(Y_TRUE, scores) == 5 / 8


def test_confusion_matrix_rows_are_true_classes():
    cm = confusion_matrix(Y_TRUE, Y_PRED, num_classes=5)
    expected = np.zeros((5, 5), dtype=np.int64)
    for t, p in zip(Y_TRUE, Y_PRED):
        expected[t, p] += 1
    assert np.array_equal(cm, expected)
    assert cm[1, 2] == 1 and cm[2, 0] == 1  # true 1 predicted 2; true 2 predicted 0
    assert cm.sum() == Y_TRUE.size and np.trace(cm) == 5
    assert cm.dtype == np.int64


def test_per_class_accuracy_is_recall_and_nan_for_absent_classes():
    acc = per_class_accuracy(Y_TRUE, Y_PRED, num_classes=5)
    assert np.allclose(acc[:4], [0.5, 2 / 3, 0.5, 1.0])
    assert np.isnan(acc[4])


def test_inputs_are_not_modified():
    t, p = Y_TRUE.copy(), Y_PRED.copy()
    confusion_matrix(t, p, 4), per_class_accuracy(t, p, 4), accuracy(t, p)
    assert np.array_equal(t, Y_TRUE) and np.array_equal(p, Y_PRED)


@pytest.mark.parametrize("call, error, message", [
    (lambda: accuracy(Y_TRUE, Y_PRED[:3]), ValueError,
     r"accuracy: y_true and y_pred must have the same length, got 8 and 3"),
    (lambda: accuracy([0, 1], np.array([0, 1])), TypeError,
     r"accuracy: expected y_true to be a numpy.ndarray"),
    (lambda: accuracy(Y_TRUE.astype(float), Y_PRED), TypeError, r"accuracy: expected integer class labels"),
    (lambda: accuracy(np.array([], dtype=int), np.array([], dtype=int)), ValueError,
     r"accuracy: expected at least one example"),
    (lambda: confusion_matrix(Y_TRUE, Y_PRED, num_classes=3), ValueError,
     r"confusion_matrix: expected labels in 0..2 \(num_classes=3\), got \[3\] in y_true"),
    (lambda: confusion_matrix(Y_TRUE, -Y_PRED, num_classes=4), ValueError, r"got \[-3, -2, -1\] in y_pred"),
    (lambda: confusion_matrix(Y_TRUE, Y_PRED, num_classes=0), ValueError,
     r"confusion_matrix: expected num_classes >= 1"),
    (lambda: confusion_matrix(Y_TRUE, Y_PRED, num_classes=4.0), TypeError,
     r"confusion_matrix: expected num_classes to be an int"),
    (lambda: per_class_accuracy(Y_TRUE[:, None], Y_PRED, 4), ValueError,
     r"per_class_accuracy: expected y_true of shape \(N,\), got shape \(8, 1\)"),
])
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
