"""A real, short training run: LeNet-5 on the embedded MNIST sample.

4,000 training digits, one epoch of Adam (lr 1e-3, batch 32), seeds 0 (weights)
and 1 (order). Measured on the project machine: test accuracy 93.6% after
epoch 1 (and 96.3% after a second epoch) on the sample's 1,000 test digits.
The test asks for at least 90% after one epoch (about 5 s), leaving room for
BLAS rounding differences between machines.
"""

import numpy as np
import pytest

from cnnlab.datasets import load_mnist
from cnnlab.metrics import accuracy, confusion_matrix
from cnnlab.models import LeNet5
from cnnlab.optim import Adam
from cnnlab.train import fit, predict

REQUIRED_TEST_ACCURACY = 0.90


@pytest.mark.slow
def test_lenet5_learns_the_sample():
    data = load_mnist(source="sample")
    assert data.x_train.shape == (4000, 1, 28, 28) and data.x_test.shape == (1000, 1, 28, 28)
    model = LeNet5(rng=np.random.default_rng(0))
    history = fit(model, data, optimizer=Adam(model, lr=1e-3), num_epochs=1, batch_size=32,
                  rng=np.random.default_rng(1), progress=False)
    test_acc = history.last("test_acc")
    assert test_acc >= REQUIRED_TEST_ACCURACY, history.epochs["test_acc"]
    steps = history.steps["loss"]
    assert np.mean(steps[-20:]) < 0.5 < 2.0 < np.mean(steps[:5]), "the loss falls from ~2.3"
    y_pred = predict(model, data.x_test)
    assert accuracy(data.y_test, y_pred) == test_acc
    cm = confusion_matrix(data.y_test, y_pred, num_classes=10)
    assert np.all(np.diag(cm) >= 0.75 * cm.sum(axis=1)), "every digit is learned"
