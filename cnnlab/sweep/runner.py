"""A sweep: every configuration of a search space, cross-validated, then the best one refitted.

:class:`Sweep` holds what a sweep *is* (data, folds, configurations, seeds: a
fingerprint of all of it names the sweep); :meth:`Sweep.run` does it, on any
backend, writing into an output folder:

================  ============================================================
``sweep.json``    what the sweep is: seed, folds, space, base configuration,
                  every full configuration, a fingerprint of the data
``results.csv``   one row per trial ``(config, fold)``, appended as each
                  finishes (see :mod:`cnnlab.sweep.results`)
``summary.csv``   one row per configuration: mean and std over the folds,
                  best first
``best.json``     the best configuration, refitted on the whole training
                  split and scored on the test split
================  ============================================================

While a sweep runs it holds a lock on ``.lock`` in the folder (with its
process id): another sweep started in the same folder, at whatever moment, is
refused (:class:`~cnnlab.sweep.results.SweepBusyError`) instead of mixing its
files with this one's.

Run it again with the same folder and it resumes: the trials in
``results.csv`` are read back, only the missing ones run, and the tables end
equal to those of a sweep that was never interrupted (every trial is seeded
by its own configuration and fold, see :func:`cnnlab.sweep.trial_seed`).
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from pathlib import Path

import numpy as np

from .._io import FileLock, LockedError, atomic_write
from .._options import check_bool, check_int, plural, reject_unknown
from .backends import make_backend
from .folds import assign_folds
from .params import canonical_json, check_value, full_config
from .progress import Best, progress_bar, say, show
from .results import (
    ResultsFile,
    SweepBusyError,
    SweepMismatchError,
    SweepResult,
    summarize,
    summary_csv,
)
from .space import GridSpace, RandomSpace
from .trial import FOLDS_TAG, RESULT_FIELDS, Trial, TrialData, run_trial

__all__ = ["Sweep", "FILES", "RUN_OPTIONS", "SWEEP_OPTIONS"]

FILES = ("sweep.json", "results.csv", "summary.csv", "best.json")
#: In the output folder while a sweep runs: its lock, holding its process id.
LOCK = ".lock"
#: Options of Sweep.run and of Sweep.
RUN_OPTIONS = ("n_jobs", "client", "refit", "progress", "overwrite")
SWEEP_OPTIONS = ("base", "n_folds", "seed", "out", "eval_batch_size")


def _arrays(func, data):
    """``(x, y, x_test, y_test)`` of a Dataset-like object, checked."""
    x, y = getattr(data, "x_train", None), getattr(data, "y_train", None)
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
        raise TypeError(f"{func}: expected data with numpy arrays x_train and y_train (a "
                        f"cnnlab.datasets.Dataset), got {type(data).__name__}")
    x_test, y_test = getattr(data, "x_test", None), getattr(data, "y_test", None)
    for split, (xs, ys) in (("train", (x, y)), ("test", (x_test, y_test))):
        if xs is None and ys is None and split == "test":
            continue
        if not (isinstance(xs, np.ndarray) and isinstance(ys, np.ndarray)):
            raise TypeError(f"{func}: expected data.x_{split} and data.y_{split} to be numpy "
                            f"arrays (or both None), got {type(xs).__name__} and {type(ys).__name__}")
        if not np.issubdtype(xs.dtype, np.floating):
            raise TypeError(f"{func}: expected floating-point images in data.x_{split}, got "
                            f"dtype {xs.dtype}")
        if ys.ndim != 1 or not np.issubdtype(ys.dtype, np.integer) or ys.shape[0] != xs.shape[0]:
            raise ValueError(f"{func}: expected data.y_{split} integer labels (N,) matching "
                             f"data.x_{split} (N, ...), got shapes {xs.shape} and {ys.shape}")
    return x, y, x_test, y_test


def _crc(a) -> int | None:
    return None if a is None else zlib.crc32(np.ascontiguousarray(a).view(np.uint8))


def _data_fingerprint(x, y, x_test, y_test) -> dict:
    return {"n_train": int(y.shape[0]), "input_shape": list(x.shape[1:]), "dtype": str(x.dtype),
            "x_crc32": _crc(x), "y_crc32": _crc(y),
            "n_test": None if y_test is None else int(y_test.shape[0]),
            "x_test_crc32": _crc(x_test), "y_test_crc32": _crc(y_test)}


def _check_buildable(func, config_id, point, config, x, y):
    """Build the configuration's model, optimizer and schedule, score two examples: fail before training."""
    from ..recipe import build_optimizer, build_schedule
    from ..train import predict_scores
    from .trial import build_trial_model
    try:
        model = build_trial_model(dict(config, fast=False), np.random.default_rng(0))
        build_optimizer(config, model)
        build_schedule(config)
        scores = predict_scores(model, x[:2])
    except (TypeError, ValueError) as exc:  # RecipeError among them
        raise ValueError(f"{func}: configuration {config_id} {point} cannot be trained: {exc}") from None
    if scores.ndim != 2 or scores.shape[1] <= int(y.max()):
        raise ValueError(f"{func}: configuration {config_id} {point}: the model gives "
                         f"{scores.shape[1:]} scores per example, the labels go up to {int(y.max())}")


def _no_nan(value):
    """JSON has no NaN: None instead."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    return value


class Sweep:
    """A hyperparameter sweep with stratified k-fold cross-validation.

    Parameters
    ----------
    data : cnnlab.datasets.Dataset
        Or any object with ``x_train`` (N, 1, 28, 28) float, ``y_train`` (N,)
        int and optionally ``x_test``, ``y_test``. The folds divide the training
        split; the test split only scores the refitted best configuration. A
        validation split (``x_val``) is not used: the folds take its place.
    space : GridSpace, RandomSpace or dict, optional
        The configurations; a dict is a :class:`GridSpace`. None: only the
        base configuration (cross-validation of one setting).
    base : dict, optional
        Training options for every configuration (keys of
        :data:`cnnlab.sweep.params.PARAMS`, e.g. ``{"model": "mlp", "epochs":
        2}``); the rest from :data:`~cnnlab.sweep.params.SWEEP_DEFAULTS`. An
        option may be in ``base`` or in ``space``, not both.
    n_folds : int >= 2
    seed : int >= 0
        Seeds the folds (``SeedSequence(seed, spawn_key=(0,))``) and every
        trial (:func:`~cnnlab.sweep.trial_seed`).
    out : str or os.PathLike, optional
        Output folder (created) for ``sweep.json``, ``results.csv``,
        ``summary.csv``, ``best.json``; a folder holding an unfinished run of
        the same sweep resumes it. None: nothing written, nothing resumed.
    eval_batch_size : int >= 1
        Batch size for evaluation (does not change results).

    Attributes
    ----------
    points : list of dict
        The searched hyperparameters of each configuration.
    configs : list of dict
        The full configuration of each.
    fold : numpy.ndarray, shape (N,)
        The held-out fold of each training example.
    trials : list of Trial
        ``len(configs) * n_folds`` trials, configuration by configuration.
    sweep_id : str
        16 hex digits of SHA-256 over the seed, folds, space, configurations
        and data: rows of ``results.csv`` carry it.
    """

    def __init__(self, data, space=None, *, base=None, n_folds: int = 5, seed: int = 0, out=None,
                 eval_batch_size: int = 500, **unknown):
        func = "Sweep"
        reject_unknown(func, unknown, SWEEP_OPTIONS)
        self.x, self.y, self.x_test, self.y_test = _arrays(func, data)
        if space is None:
            space = GridSpace({})
        elif isinstance(space, dict):
            space = GridSpace(space)
        elif not isinstance(space, (GridSpace, RandomSpace)):
            raise TypeError(f"{func}: expected space to be a GridSpace, a RandomSpace or a dict "
                            f"of value lists, got {type(space).__name__}")
        self.space = space
        if base is not None and not hasattr(base, "items"):
            raise TypeError(f"{func}: expected base to be a dict of training options, e.g. "
                            f"{{'model': 'mlp', 'epochs': 2}}, got {type(base).__name__}")
        self.base = {name: check_value(func, name, v) for name, v in (base or {}).items()}
        both = [name for name in space.names if name in self.base]
        if both:
            raise ValueError(f"{func}: {both} are both in base and in the search space; give "
                             f"each option in one place")
        self.n_folds = check_int(func, "n_folds", n_folds, low=2)
        self.seed = check_int(func, "seed", seed, low=0)
        self.eval_batch_size = check_int(func, "eval_batch_size", eval_batch_size, low=1)
        self.out = None if out is None else Path(out)
        self.names = space.names
        self.points = [dict(p) for p in space.points]
        self.configs = [full_config(func, self.base, p) for p in self.points]
        for config_id, (point, config) in enumerate(zip(self.points, self.configs, strict=True)):
            _check_buildable(func, config_id, point, config, self.x, self.y)
        fold_rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(FOLDS_TAG,)))
        self.fold = assign_folds(self.y, self.n_folds, rng=fold_rng)
        self.trials = [Trial(config_id, f, config, self.seed)
                       for config_id, config in enumerate(self.configs) for f in range(self.n_folds)]
        self.spec = {"format": "cnnlab.sweep/1", "seed": self.seed, "n_folds": self.n_folds,
                     "space": space.describe(), "base": self.base, "configs": self.configs,
                     "data": _data_fingerprint(self.x, self.y, self.x_test, self.y_test)}
        self.sweep_id = hashlib.sha256(canonical_json(self.spec).encode()).hexdigest()[:16]

    def __repr__(self):
        return (f"Sweep({plural(len(self.configs), 'configuration')} x {self.n_folds} folds = "
                f"{plural(len(self.trials), 'trial')}, searching {list(self.names)}, seed={self.seed}, "
                f"out={None if self.out is None else str(self.out)!r}, id={self.sweep_id})")

    # -- files ---------------------------------------------------------------------------------
    def _lock_folder(self) -> FileLock:
        """Hold ``out/.lock`` for the sweep's life: one sweep at a time in a folder."""
        self.out.mkdir(parents=True, exist_ok=True)
        try:
            return FileLock(self.out / LOCK).acquire()
        except LockedError as exc:
            raise SweepBusyError(self.out, exc.pid) from None

    def _check_folder(self, overwrite):
        out = self.out
        if overwrite:
            for name in FILES:
                (out / name).unlink(missing_ok=True)
        spec_path = out / "sweep.json"
        if spec_path.exists():
            try:
                saved = json.loads(spec_path.read_text(encoding="utf-8"))
            except ValueError:
                saved = {}
            if saved.get("sweep_id") != self.sweep_id:
                differ = [k for k in ("seed", "n_folds", "space", "base", "configs", "data")
                          if saved.get(k) != json.loads(canonical_json(self.spec[k]))]
                raise SweepMismatchError(
                    f"{out} holds another sweep (id {saved.get('sweep_id')!r}, this one is "
                    f"{self.sweep_id!r}); they differ in: {', '.join(differ) or 'the format'}. "
                    f"Use another output folder, or overwrite=True (--overwrite) to start afresh")
        else:
            atomic_write(spec_path, json.dumps({"sweep_id": self.sweep_id, **self.spec},
                                                    indent=2) + "\n")

    def _row(self, result: dict) -> dict:
        """A trial's result with its hyperparameters, in column order."""
        point = self.points[result["config"]]
        return {"config": result["config"], "fold": result["fold"], **point,
                **{k: result[k] for k in RESULT_FIELDS}}

    # -- running -------------------------------------------------------------------------------
    def run(self, *, n_jobs=None, client=None, refit: bool = True, progress: bool = True,
            overwrite: bool = False, **unknown) -> SweepResult:
        """Run every trial not yet in ``results.csv``, summarise, refit the best.

        Parameters
        ----------
        n_jobs : int, optional
            Local worker processes (default ``-1``: one per core; ``1``: one
            trial at a time), see :class:`~cnnlab.sweep.LocalBackend`. Not
            together with ``client``.
        client : dask.distributed.Client or str, optional
            Run the trials on this Dask cluster (or the scheduler at this
            address, e.g. ``"tcp://127.0.0.1:8786"``) instead.
        refit : bool
            Train the best configuration on the whole training split and
            score it on the test split (``best.json``).
        progress : bool
            One tqdm bar for the sweep, the best mean validation accuracy so
            far in its postfix.
        overwrite : bool
            Delete the output folder's sweep files first, instead of resuming.

        Returns
        -------
        SweepResult

        Raises
        ------
        SweepMismatchError
            ``out`` holds files of a different sweep.
        SweepBusyError
            Another sweep is running in ``out`` (it holds ``out/.lock``).
        """
        func = "Sweep.run"
        reject_unknown(func, unknown, RUN_OPTIONS)
        refit = check_bool(func, "refit", refit)
        progress = check_bool(func, "progress", progress)
        overwrite = check_bool(func, "overwrite", overwrite)
        if overwrite and self.out is None:
            raise ValueError(f"{func}: overwrite=True needs an output folder (out=...)")
        backend = make_backend(n_jobs, client)
        results_file = lock = None
        bar = None
        try:
            done = {}
            if self.out is not None:
                lock = self._lock_folder()
                self._check_folder(overwrite)
                results_file = ResultsFile(self.out / "results.csv", self.sweep_id, self.names)
                valid = {t.key for t in self.trials}
                for row in results_file.open():
                    key = (row["config"], row["fold"])
                    if key not in valid:  # cannot happen with a matching fingerprint
                        raise SweepMismatchError(f"{results_file.path}: trial {key} is not part "
                                                 f"of this sweep")
                    done.setdefault(key, self._row(row))
            n_resumed = len(done)
            pending = [t for t in self.trials if t.key not in done]
            shared = TrialData(self.x, self.y, self.fold, self.x_test, self.y_test,
                               self.eval_batch_size)
            bar = progress_bar(progress, len(self.trials) + refit, n_resumed)
            if n_resumed:
                say(bar, f"resumed: {n_resumed} of {plural(len(self.trials), 'trial')} read back from "
                          f"{results_file.path}")
            tracker = Best(self.n_folds, done.values())
            show(bar, tracker)
            for result in backend.run(run_trial, pending, shared):
                row = self._row(result)
                done[(row["config"], row["fold"])] = row
                if results_file is not None:
                    results_file.append(row)
                tracker.add(row)
                if bar is not None:
                    bar.update(1)
                    show(bar, tracker)
            rows = sorted(done.values(), key=lambda r: (r["config"], r["fold"]))
            summary = summarize(rows, self.points)
            if results_file is not None:
                results_file.rewrite(rows)
                atomic_write(self.out / "summary.csv", summary_csv(summary, self.names))
            best = self._refit(backend, summary, shared, bar) if refit else None
            if bar is not None:
                bar.close()
            return SweepResult(rows=rows, summary=summary, best=best, names=self.names,
                               configs=[dict(c) for c in self.configs], sweep_id=self.sweep_id,
                               n_run=len(pending), n_resumed=n_resumed, out=self.out)
        finally:
            if bar is not None:
                bar.close()
            if results_file is not None:
                results_file.close()
            if lock is not None:
                lock.release()
            backend.close()

    def _refit(self, backend, summary, shared, bar) -> dict | None:
        top = summary[0]
        if top["diverged"] or math.isnan(top["mean_val_acc"]):
            say(bar, "no refit: every configuration diverged (NaN loss) in some fold")
            return None
        config_id = top["config"]
        best = {"sweep": self.sweep_id, "config": config_id, "params": self.points[config_id],
                "full_config": self.configs[config_id], "n_folds": self.n_folds,
                "mean_val_acc": top["mean_val_acc"], "std_val_acc": top["std_val_acc"],
                "mean_val_loss": top["mean_val_loss"]}
        path = None if self.out is None else self.out / "best.json"
        if path is not None and path.exists():
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved.get("sweep") == self.sweep_id and saved.get("config") == config_id:
                if bar is not None:
                    bar.update(1)
                return {k: (math.nan if v is None and k.endswith(("_acc", "_loss")) else v)
                        for k, v in saved.items()}
        if bar is not None:
            bar.set_description("refit best")
        [result] = list(backend.run(run_trial, [Trial(config_id, None, self.configs[config_id],
                                                      self.seed)], shared))
        best.update({k: result[k] for k in ("status", "test_acc", "test_loss", "train_acc",
                                            "train_loss", "n_train", "n_test", "epochs_run",
                                            "seconds")})
        if path is not None:
            atomic_write(path, json.dumps(_no_nan(best), indent=2) + "\n")
        if bar is not None:
            bar.update(1)
            if not math.isnan(best["test_acc"]):
                bar.set_postfix_str(f"best config {config_id}: cv acc {best['mean_val_acc']:.4f}, "
                                    f"test acc {best['test_acc']:.4f}", refresh=False)
        return best
