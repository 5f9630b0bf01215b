"""A sweep in one call: :func:`run_sweep`, :func:`grid_search`, :func:`random_search`, :func:`cross_validate`."""

from __future__ import annotations

from .._options import reject_unknown
from .results import SweepResult
from .runner import RUN_OPTIONS, SWEEP_OPTIONS, Sweep
from .space import GridSpace, RandomSpace

__all__ = ["run_sweep", "grid_search", "random_search", "cross_validate"]


def run_sweep(data, space=None, **options) -> SweepResult:
    """``Sweep(data, space, ...).run(...)`` in one call.

    Options of :class:`Sweep`: ``base``, ``n_folds``, ``seed``, ``out``,
    ``eval_batch_size``; of :meth:`Sweep.run`: ``n_jobs``, ``client``,
    ``refit``, ``progress``, ``overwrite``.

    Examples
    --------
    >>> data = load_mnist(source="sample", n_train=1000)                     # doctest: +SKIP
    >>> result = run_sweep(data, {"lr": [1e-3, 3e-3], "dropout": [0.0, 0.3]},
    ...                    base={"epochs": 2}, n_folds=3, seed=0, out="runs/sweep1")  # doctest: +SKIP
    >>> result.best["params"], result.best["test_acc"]                       # doctest: +SKIP
    """
    reject_unknown("run_sweep", {k: v for k, v in options.items()
                                 if k not in SWEEP_OPTIONS + RUN_OPTIONS},
                   SWEEP_OPTIONS + RUN_OPTIONS)
    sweep = Sweep(data, space, **{k: v for k, v in options.items() if k in SWEEP_OPTIONS})
    return sweep.run(**{k: v for k, v in options.items() if k in RUN_OPTIONS})


def grid_search(data, params, **options) -> SweepResult:
    """Cross-validate every combination of ``params`` (a dict of value lists); refit the best.

    ``grid_search(data, {"lr": [1e-3, 3e-3], "batch_size": [32, 64]}, n_folds=3)``
    is ``run_sweep(data, GridSpace(params), ...)``; same options.
    """
    return run_sweep(data, GridSpace(params), **options)


def random_search(data, params, n_trials: int, **options) -> SweepResult:
    """Cross-validate ``n_trials`` configurations drawn from ``params``; refit the best.

    ``params`` maps names to value lists or distributions
    (``{"lr": LogUniform(1e-4, 1e-2), "dropout": Uniform(0.0, 0.5)}``). The
    draws are seeded by the sweep's ``seed`` (option, default 0): see
    :class:`RandomSpace`. Other options as :func:`run_sweep`.
    """
    seed = options.get("seed", 0)
    return run_sweep(data, RandomSpace(params, n_trials, seed=seed), **options)


def cross_validate(data, config=None, **options) -> SweepResult:
    """Stratified k-fold cross-validation of one configuration.

    Parameters
    ----------
    data : cnnlab.datasets.Dataset
    config : dict, optional
        Training options (as ``base`` of :class:`Sweep`), e.g.
        ``{"model": "mlp", "lr": 0.01, "optimizer": "sgd", "epochs": 2}``.
    **options
        ``n_folds`` (default 5), ``seed``, ``out``, ``n_jobs``, ``client``,
        ``progress``, ``eval_batch_size``, ``overwrite``, and ``refit``
        (default False here: no test score).

    Returns
    -------
    SweepResult
        ``rows`` has one row per fold, ``summary[0]`` the mean and std.
    """
    if "base" in options:
        raise TypeError("cross_validate: pass the training options as config=..., not base=...")
    options.setdefault("refit", False)
    return run_sweep(data, None, base=config, **options)
