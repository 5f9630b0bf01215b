"""Training: the loop, its record, callbacks, checkpoints and evaluation.

* :func:`train_step`: forward, loss, backward and update on one batch;
* :func:`fit`: epochs of shuffled mini-batches with a progress bar,
  evaluation on the validation and test splits, early stopping, callbacks, a
  guard against NaN and inf (in the loss, gradients, parameters and optimizer
  state), checkpoints and exact resume;
* :class:`History`: per-step and per-epoch loss, accuracy and learning rate,
  to JSON and CSV;
* :func:`evaluate`, :func:`predict`, :func:`predict_proba`: the model in eval mode;
* :func:`save_checkpoint`, :func:`load_checkpoint`, :func:`load_weights`: one
  ``.npz``, written atomically, read with ``allow_pickle=False``.

>>> import numpy as np
>>> from cnnlab.datasets import load_mnist
>>> from cnnlab.models import LeNet5
>>> from cnnlab.optim import Adam
>>> data = load_mnist(source="sample")                               # doctest: +SKIP
>>> model = LeNet5(rng=np.random.default_rng(0))                     # doctest: +SKIP
>>> history = fit(model, data, optimizer=Adam(model), num_epochs=3,
...               rng=np.random.default_rng(1))                      # doctest: +SKIP
>>> history.last("test_acc")                                         # doctest: +SKIP
"""

from .architecture import architecture_of
from .callbacks import Callback, EarlyStopping, StopTraining
from .checkpoint import Checkpoint, CheckpointError, load_checkpoint, load_weights, save_checkpoint
from .evaluate import eval_mode, evaluate, predict, predict_proba, predict_scores
from .history import EPOCH_FIELDS, STEP_FIELDS, History
from .step import train_step
from .trainer import DivergedError, NonFiniteLossError, fit

__all__ = ["fit", "train_step", "DivergedError", "NonFiniteLossError", "History", "STEP_FIELDS",
           "EPOCH_FIELDS", "Callback", "EarlyStopping", "StopTraining", "Checkpoint", "CheckpointError",
           "save_checkpoint", "load_checkpoint", "load_weights", "architecture_of", "evaluate",
           "predict", "predict_proba", "predict_scores", "eval_mode"]
