"""Hyperparameter sweeps: stratified k-fold cross-validation, grid and random search.

>>> import numpy as np
>>> from cnnlab.datasets import load_mnist
>>> from cnnlab.sweep import grid_search, LogUniform, random_search
>>> data = load_mnist(source="sample", n_train=1000)                          # doctest: +SKIP
>>> result = grid_search(data, {"lr": [1e-3, 3e-3], "dropout": [0.0, 0.3]},
...                      base={"model": "lenet5", "epochs": 1}, n_folds=3, seed=0,
...                      out="runs/sweep1", n_jobs=2)                          # doctest: +SKIP
>>> print(result.table())               # mean and std over the folds, best first  # doctest: +SKIP
>>> result.best["params"], result.best["test_acc"]                            # doctest: +SKIP

The same on a Dask cluster: ``client=dask.distributed.Client(...)`` (or its
address) instead of ``n_jobs``. From a shell: ``python -m cnnlab.sweep --help``.

Modules, one idea each:

* :mod:`~cnnlab.sweep.params`: what a configuration is, the options and their checks;
* :mod:`~cnnlab.sweep.folds`: stratified, seeded k-fold splits;
* :mod:`~cnnlab.sweep.space`: grid and random search spaces, distributions;
* :mod:`~cnnlab.sweep.trial`: one seeded trial, train and score;
* :mod:`~cnnlab.sweep.backends`: joblib processes or a Dask cluster;
* :mod:`~cnnlab.sweep.results`: the crash-safe results file, the summary;
* :mod:`~cnnlab.sweep.runner`: :class:`Sweep`, resume;
* :mod:`~cnnlab.sweep.search`: the one-call forms;
* :mod:`~cnnlab.sweep.cli`: ``python -m cnnlab.sweep``.
"""

from .backends import DaskBackend, LocalBackend, make_backend
from .folds import assign_folds, kfold_indices
from .params import PARAMS, SWEEP_DEFAULTS, full_config
from .results import SweepBusyError, SweepMismatchError, SweepResult, summarize
from .runner import FILES, Sweep
from .search import cross_validate, grid_search, random_search, run_sweep
from .space import GridSpace, IntUniform, LogUniform, RandomSpace, Uniform
from .trial import Trial, TrialData, TrialError, run_trial, train_trial, trial_seed

__all__ = [
    "kfold_indices", "assign_folds",
    "GridSpace", "RandomSpace", "Uniform", "LogUniform", "IntUniform",
    "Sweep", "run_sweep", "grid_search", "random_search", "cross_validate", "SweepResult",
    "SweepMismatchError", "SweepBusyError", "summarize", "FILES",
    "Trial", "TrialData", "TrialError", "trial_seed", "train_trial", "run_trial",
    "LocalBackend", "DaskBackend", "make_backend",
    "PARAMS", "SWEEP_DEFAULTS", "full_config",
]
