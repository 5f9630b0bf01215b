"""One trial: train one configuration on one fold's training part, score it on the held-out part.

A trial is a plain, picklable description (:class:`Trial`) plus a function
(:func:`run_trial`) that any backend can call in any process: it builds the
model, optimizer and schedule with :mod:`cnnlab.recipe`'s builders, trains with
:func:`cnnlab.train.fit` and returns one row of results.

Seeds. Everything random in a trial (initial weights, dropout masks, the order
of the examples) comes from :func:`trial_seed`, a ``SeedSequence`` of the sweep
seed and a hash of the trial's configuration and fold. A trial therefore gives
the same numbers whichever process runs it, in whatever order, on any backend;
and adding a configuration to a sweep does not change the others' results.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

import numpy as np

from .params import canonical_json

__all__ = ["Trial", "TrialData", "TrialError", "trial_seed", "build_trial_model", "train_trial", "run_trial"]

#: spawn_key tags: one stream per purpose, all from the same sweep seed.
FOLDS_TAG, TRIAL_TAG, DATA_TAG = 0, 2, 3

#: Columns of a cross-validation trial's results, after ``config`` and ``fold``.
RESULT_FIELDS = ("status", "val_acc", "val_loss", "train_acc", "train_loss", "n_train", "n_val",
                 "epochs_run", "seconds")


def trial_seed(seed: int, config: dict, fold) -> np.random.SeedSequence:
    """The seed of one trial: ``SeedSequence(seed, spawn_key=(2, *hash(config), fold + 1))``.

    Parameters
    ----------
    seed : int >= 0
        The sweep seed.
    config : dict
        The trial's full configuration (see :func:`cnnlab.sweep.params.full_config`);
        hashed (SHA-256 of :func:`~cnnlab.sweep.params.canonical_json`, first 128 bits).
    fold : int or None
        The held-out fold, or None for the final run on the whole training split.

    Returns
    -------
    numpy.random.SeedSequence
        Spawns the model's generator and the training loop's.
    """
    digest = hashlib.sha256(canonical_json(config).encode("utf-8")).digest()
    words = tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))
    return np.random.SeedSequence(seed, spawn_key=(TRIAL_TAG, *words, 0 if fold is None else fold + 1))


@dataclass(frozen=True)
class Trial:
    """What one trial is: which configuration, which fold, which seed.

    Attributes
    ----------
    config_id : int
        Index of the configuration in the sweep's space.
    fold : int or None
        The fold held out for validation (``0..k-1``), or None: train on the
        whole training split and score on the test split (the final refit).
    config : dict
        The full configuration.
    seed : int
        The sweep seed; with ``config`` and ``fold`` it gives :func:`trial_seed`.
    """

    config_id: int
    fold: int | None
    config: dict
    seed: int

    @property
    def key(self) -> tuple:
        """``(config_id, fold)``: a trial's name in the results table."""
        return (self.config_id, self.fold)

    @property
    def name(self) -> str:
        """``"config 3, fold 1"`` (or ``"config 3, refit on the whole training split"``)."""
        where = "refit on the whole training split" if self.fold is None else f"fold {self.fold}"
        return f"config {self.config_id}, {where}"

    def seed_sequence(self) -> np.random.SeedSequence:
        """:func:`trial_seed` of this trial."""
        return trial_seed(self.seed, self.config, self.fold)


class TrialError(RuntimeError):
    """A trial raised an exception (its ``__cause__``) on a worker; the message names the trial."""


@dataclass(frozen=True, eq=False)
class TrialData:
    """The arrays every trial of a sweep shares (sent once to each worker).

    Attributes
    ----------
    x : numpy.ndarray, shape (N, 1, 28, 28), float
        The training split, which the folds divide.
    y : numpy.ndarray, shape (N,), int
    fold : numpy.ndarray, shape (N,), int
        Held-out fold of each example (:func:`cnnlab.sweep.assign_folds`).
    x_test : numpy.ndarray, shape (N_test, 1, 28, 28), or None
        Scores the final refit only; never seen by a cross-validation trial.
    y_test : numpy.ndarray, shape (N_test,), or None
    eval_batch_size : int
        Batch size of evaluation (does not change results).
    """

    x: np.ndarray
    y: np.ndarray
    fold: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    eval_batch_size: int = 500


@dataclass(frozen=True, eq=False)
class _Splits:
    """What :func:`cnnlab.train.fit` trains on and evaluates each epoch."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None


def build_trial_model(config: dict, rng: np.random.Generator):
    """The model of ``config``, built by :func:`cnnlab.recipe.build_model`.

    Parameters
    ----------
    config : dict
        A full configuration (``model``, ``activation``, ``batchnorm``,
        ``dropout``, ``init``, ``fast``); the same model as ``python -m cnnlab
        train`` builds from these options.
    rng : numpy.random.Generator
        Initial weights and dropout masks.
    """
    from ..recipe import build_model
    return build_model(config, rng)


@contextlib.contextmanager
def _one_blas_thread():
    """One BLAS thread in this process meanwhile, when threadpoolctl is installed.

    Worker processes have one from their environment already (the local pool's
    :data:`~cnnlab.sweep.backends.ONE_THREAD_ENV`, Dask's nanny setting
    ``OPENBLAS_NUM_THREADS=1``); this also pins a trial run by hand in a
    process whose BLAS uses several threads, so that it gives a worker's numbers.
    Without threadpoolctl such a trial may differ in the last float32 digits.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def train_trial(trial: Trial, data: TrialData):
    """Train ``trial``'s configuration on its training part; score it.

    Parameters
    ----------
    trial : Trial
    data : TrialData

    Returns
    -------
    model : cnnlab.layers.Module
        The trained model (None if fit stopped on a NaN or infinite value).
    history : cnnlab.train.History
    row : dict
        ``config``, ``fold``, then for a cross-validation trial ``status``
        (``"ok"``, or ``"diverged"`` when the training loss, a gradient, a
        parameter or the optimizer's state became NaN or infinite, which stops
        training and leaves NaN scores, or when the final training or held-out
        loss is not finite), ``val_acc``,
        ``val_loss``, ``train_acc``,
        ``train_loss`` (the last epoch's running means, in train mode),
        ``n_train``, ``n_val``, ``epochs_run``, ``seconds``; for the refit
        (``fold=None``) ``test_acc``, ``test_loss``, ``n_test`` instead of the
        ``val_`` fields and ``n_val``.
    """
    from ..recipe import build_optimizer, build_schedule
    from ..datasets import RandomShift
    from ..train import DivergedError, fit

    config = trial.config
    if trial.fold is None:
        splits = _Splits(data.x, data.y, x_test=data.x_test, y_test=data.y_test)
        scored, n_scored = "test", 0 if data.y_test is None else int(data.y_test.shape[0])
    else:
        held_out = data.fold == trial.fold
        splits = _Splits(data.x[~held_out], data.y[~held_out], data.x[held_out], data.y[held_out])
        scored, n_scored = "val", int(np.count_nonzero(held_out))
    model_ss, train_ss = trial.seed_sequence().spawn(2)
    started = time.perf_counter()
    # A diverging run overflows: its status says so, NumPy's warnings would only repeat it.
    with _one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        model = build_trial_model(config, np.random.default_rng(model_ss))
        optimizer = build_optimizer(config, model)
        schedule = build_schedule(config)
        try:
            history = fit(model, splits, optimizer=optimizer, num_epochs=config["epochs"],
                          batch_size=config["batch_size"], rng=np.random.default_rng(train_ss),
                          schedule=schedule, progress=False, eval_batch_size=data.eval_batch_size,
                          augment=RandomShift(config["augment_shift"]) if config["augment_shift"]
                          else None)
            stopped = False
        except DivergedError as exc:
            history, stopped, model = exc.history, True, None

    def last(field):
        value = None if stopped else history.last(field)
        return math.nan if value is None else float(value)

    # diverged: stopped by fit's guard, or the evaluation overflowed
    losses = ["train_loss"] + ([f"{scored}_loss"] if n_scored else [])
    finite = not stopped and all(math.isfinite(last(f)) for f in losses)
    row = {"config": trial.config_id, "fold": trial.fold, "status": "ok" if finite else "diverged",
           f"{scored}_acc": last(f"{scored}_acc"), f"{scored}_loss": last(f"{scored}_loss"),
           "train_acc": last("train_acc"), "train_loss": last("train_loss"),
           "n_train": int(splits.y_train.shape[0]), f"n_{scored}": n_scored,
           "epochs_run": history.num_epochs, "seconds": time.perf_counter() - started}
    return model, history, row


def run_trial(trial: Trial, data: TrialData) -> dict:
    """:func:`train_trial`'s row only: what a backend runs and sends back."""
    return train_trial(trial, data)[2]
