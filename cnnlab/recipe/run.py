"""A training run from a recipe: data, model, optimizer and schedule built, ``fit``, a run folder.

The run folder (``out``) receives:

=========================  ===============================================
``config.json``            every option of the run (a resume reads it)
``checkpoint.npz``         model, optimizer, schedule, RNG states, epoch,
                           history (see :mod:`cnnlab.train.checkpoint`)
``history.json``           per-step and per-epoch loss, accuracy, lr
``history.csv``            one row per epoch
``history_steps.csv``      one row per step
``results.json``           final test loss, accuracy, per-class accuracy
``curves.png``             loss and accuracy curves
``confusion_matrix.png``   on the test split, after training
=========================  ===============================================

One ``seed`` seeds everything, through three independent generators spawned
from it: one for the data (the validation split), one for the model (initial
weights, dropout masks), one for the training loop (the order of the examples).

Nothing is half-written: every file is replaced atomically
(:func:`cnnlab._io.atomic_write`), and ``config.json`` only once ``fit`` has
accepted the data, the model and, on resume, the checkpoint, so a refused run
leaves the folder as it was. ``out`` is checked before anything is loaded.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import time
from pathlib import Path

import numpy as np

from .._io import atomic_write, atomic_writer
from .._options import plural
from .build import build_model, build_optimizer, build_schedule, load_data
from .options import DEFAULT_LR, DEFAULTS, RecipeError, check_option

__all__ = ["train_run", "FILES", "RESUMABLE", "DiskFullError"]

#: Options a resumed run may change: they do not alter the numbers.
RESUMABLE = {"epochs", "eval_batch_size", "checkpoint_every", "progress", "data_dir", "out"}
#: Options a resumed run takes from its own call only, never from the saved run.
PER_CALL = {"progress": DEFAULTS["progress"]}


class DiskFullError(OSError):
    """The disk filled up while the run folder was written; the message says what is intact."""
FILES = ("config.json", "checkpoint.npz", "history.json", "history.csv", "history_steps.csv",
         "results.json", "curves.png", "confusion_matrix.png")


def _check_out(out: Path) -> None:
    """Refuse an ``out`` that cannot be a run folder, before anything is loaded."""
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                where = "is a file" if folder == out else f"is inside {folder}, which is a file"
                raise RecipeError(f"--out {out} {where}; expected a folder (a new one, or one "
                                  f"holding a run)")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise RecipeError(f"--out {out}: cannot write in {folder} (permission denied); "
                                  f"choose another --out")
            return


def _saved_run(out: Path) -> tuple[dict, object]:
    """The saved options (checked) and the checkpoint of the run in ``out``, or a RecipeError."""
    saved_path, checkpoint = out / "config.json", out / "checkpoint.npz"
    if not saved_path.is_file() or not checkpoint.is_file():
        raise RecipeError(f"--resume: {out} holds no run to continue (needs config.json and "
                          f"checkpoint.npz); train without --resume first")
    try:
        saved = json.loads(saved_path.read_text(encoding="utf-8"))
        if not isinstance(saved, dict):
            raise ValueError("expected a JSON object of options")
        saved = {key: check_option(str(saved_path), key, value, label=f'"{key}"') if key in DEFAULTS
                 else value for key, value in saved.items()}
    except (ValueError, TypeError) as exc:
        raise RecipeError(f"--resume: {saved_path} cannot be read ({exc}); put back the saved "
                          f"options, or train afresh with --overwrite") from None
    from ..train import CheckpointError, load_checkpoint
    try:
        return saved, load_checkpoint(checkpoint)
    except CheckpointError as exc:
        raise RecipeError(f"--resume: {exc.path} {exc.problem}") from None


def _resumed(out: Path, given: dict) -> tuple[dict, list | None]:
    """The saved run's options with those ``given``, and its network as its checkpoint records it
    (:func:`~cnnlab.train.architecture_of`); refused if it has nothing left to train."""
    saved, checkpoint = _saved_run(out)
    changed = [f"--{k.replace('_', '-')} (saved {saved.get(k)!r}, given {v!r})"
               for k, v in given.items() if k not in RESUMABLE and saved.get(k, DEFAULTS[k]) != v]
    if changed:
        raise RecipeError("--resume continues a run with its saved options; these differ: "
                          + ", ".join(changed) + ". Use a new --out for a different run.")
    config = {**DEFAULTS, **saved, **PER_CALL, **given}
    done = checkpoint.epoch
    if checkpoint.meta.get("stopped_early"):
        raise RecipeError(f"--resume: the run in {out} stopped early after {plural(done, 'epoch')} "
                          f"(early stopping), so there is nothing to continue; nothing was changed")
    if config["epochs"] <= done:
        raise RecipeError(f"--resume: the run in {out} has done {plural(done, 'epoch')} already and "
                          f"--epochs is {config['epochs']}: nothing to train; pass --epochs "
                          f"{done + 1} or more to continue it (nothing was changed)")
    return config, checkpoint.meta.get("architecture")


def _config(given: dict, resume: bool, overwrite: bool) -> tuple[dict, Path, list | None]:
    """Merge the options given with the defaults, or with the saved run's (``resume``, which also
    gives the saved network)."""
    out = Path(given.get("out") or f"runs/{given.get('model', DEFAULTS['model'])}-"
                                   f"{given.get('dataset', DEFAULTS['dataset'])}")
    _check_out(out)
    network = None
    if resume:
        config, network = _resumed(out, given)
    else:
        if (out / "checkpoint.npz").exists() and not overwrite:
            raise RecipeError(f"{out} already holds a run (checkpoint.npz); pass --resume to continue "
                              f"it, --overwrite to replace it, or choose another --out")
        config = {**DEFAULTS, **given}
        if config["lr"] is None:
            config["lr"] = DEFAULT_LR[config["optimizer"]]
        config["schedule_epochs"] = config["epochs"]  # the cosine schedule's horizon
    config["out"] = str(out)
    return config, out, network


def _check_network(out: Path, saved: list | None, model) -> None:
    """On resume: refuse a model that ``config.json`` now describes otherwise than the checkpoint."""
    from ..train.architecture import architecture_difference, architecture_of
    other = saved and architecture_difference(saved, architecture_of(model))
    if other:
        raise RecipeError(f"--resume: {out / 'config.json'} describes another network than "
                          f"{out / 'checkpoint.npz'} holds ({other}); put back the saved options, or "
                          f"train afresh with --overwrite (nothing was changed)")


class _Begin:
    """A callback of ``fit``: as training begins, once ``fit`` has accepted the data, the model
    and (on resume) the checkpoint, print the summaries (``say``, None for none), create the run
    folder and write ``config.json``. A refused run prints its error alone and changes nothing."""

    def __init__(self, out: Path, config: dict, say, data, optimizer, schedule):
        self.out, self.config, self.say = out, config, say
        self.data, self.optimizer, self.schedule = data, optimizer, schedule

    def on_train_begin(self, history, model):
        if self.say is not None:
            self.say(repr(self.data))
            if hasattr(model, "summary"):
                model.summary(print_fn=self.say)
            self.say(f"optimizer: {self.optimizer!r}"
                     + (f", schedule: {self.schedule!r}" if self.schedule else ""))
        self.out.mkdir(parents=True, exist_ok=True)
        atomic_write(self.out / "config.json", json.dumps(self.config, indent=2) + "\n")


@contextlib.contextmanager
def _disk_full_said(out: Path):
    """An ``OSError`` "no space left" in the block becomes a :class:`DiskFullError` saying what is intact."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        from ..train import load_checkpoint
        checkpoint = out / "checkpoint.npz"
        try:
            kept = (f"{checkpoint}, from epoch {load_checkpoint(checkpoint).epoch}, is intact: free "
                    f"some space, then continue the run with --resume")
        except (OSError, ValueError):
            kept = "no checkpoint was written yet: free some space and run again"
        raise DiskFullError(f"the disk is full ({exc.strerror or exc}) while writing into {out}; "
                            f"{kept}") from None


def train_run(given: dict, *, resume: bool = False, overwrite: bool = False, say=print) -> dict:
    """Train with the options in ``given`` (checked, see :func:`~cnnlab.recipe.given_options`);
    write the run folder; return the test results.

    Parameters
    ----------
    given : dict
        Options of :data:`~cnnlab.recipe.OPTIONS`; the others take their
        defaults (or, with ``resume``, the saved run's).
    resume : bool
        Continue the run in ``out`` from its checkpoint with its saved
        options; only those of :data:`RESUMABLE` may change.
    overwrite : bool
        Start afresh even if ``out`` already holds a run.
    say : callable
        Where the summary lines go.

    Raises
    ------
    RecipeError
        Options that do not fit together, or a folder that cannot be used
        (``out`` a file; on resume: a damaged checkpoint, no epochs left to train).
    DiskFullError
        The disk filled up; the message says which checkpoint is intact.
    cnnlab.train.DivergedError
        Training diverged; the checkpoint keeps the last good epoch.
    """
    import matplotlib
    matplotlib.use("Agg")

    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"train_run: unknown options {unknown}; expected names of cnnlab.recipe.OPTIONS")
    given = {name: check_option("train_run", name, value) for name, value in given.items()}
    config, out, network = _config(given, resume, overwrite)
    data_rng, model_rng, train_rng = (np.random.default_rng(s)
                                      for s in np.random.SeedSequence(config["seed"]).spawn(3))
    data = load_data(config, data_rng)
    model = build_model(config, model_rng)
    _check_network(out, network, model)
    optimizer, schedule = build_optimizer(config, model), build_schedule(config)
    begin = _Begin(out, config, say if config["progress"] else None, data, optimizer, schedule)
    started = time.perf_counter()
    # fit's guard reports a diverging run in one line; NumPy's overflow warnings would only repeat it
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), _disk_full_said(out):
        history = _fit(config, out, data, model, optimizer, train_rng, resume, begin)
        seconds = time.perf_counter() - started
        return _write_results(out, data, model, history, config, seconds, say)


def _fit(config, out, data, model, optimizer, rng, resume, begin):
    from ..datasets import RandomShift
    from ..train import EarlyStopping, fit
    early = None
    if config["early_stopping"]:
        early = EarlyStopping(monitor=config["monitor"], patience=config["early_stopping"])
    checkpoint = out / "checkpoint.npz"
    return fit(model, data, optimizer=optimizer, num_epochs=config["epochs"],
               batch_size=config["batch_size"], rng=rng, schedule=begin.schedule, early_stopping=early,
               checkpoint=checkpoint, checkpoint_every=config["checkpoint_every"],
               resume=checkpoint if resume else None, progress=config["progress"],
               eval_batch_size=config["eval_batch_size"],
               augment=RandomShift(config["augment_shift"]) if config["augment_shift"] else None,
               callbacks=[begin])


def _write_results(out, data, model, history, config, seconds, say) -> dict:
    """The test results, the history and the plots, into the run folder."""
    from ..metrics import confusion_matrix, per_class_accuracy
    from ..train import evaluate, predict
    from ..viz import plot_confusion_matrix, plot_history

    test_loss, test_acc = evaluate(model, data.x_test, data.y_test, batch_size=config["eval_batch_size"])
    y_pred = predict(model, data.x_test, batch_size=config["eval_batch_size"])
    cm = confusion_matrix(data.y_test, y_pred, data.num_classes)
    results = {"test_loss": test_loss, "test_acc": test_acc,
               "n_test": int(data.y_test.shape[0]),
               "per_class_acc": [None if np.isnan(a) else float(a)
                                 for a in per_class_accuracy(data.y_test, y_pred, data.num_classes)],
               "epochs": history.num_epochs, "steps": history.num_steps,
               "train_seconds_this_call": seconds, "dataset_source": data.source,
               "confusion_matrix": cm.tolist()}
    history.to_json(out / "history.json")
    history.to_csv(out / "history.csv")
    history.to_csv(out / "history_steps.csv", which="steps")
    atomic_write(out / "results.json", json.dumps(results, indent=2) + "\n")
    for name, figure in (("curves.png", plot_history(history)),
                         ("confusion_matrix.png", plot_confusion_matrix(cm, class_names=data.class_names))):
        with atomic_writer(out / name) as f:
            figure.savefig(f, format="png", dpi=120)
    correct = int(np.trace(cm))
    say(f"test accuracy: {100 * results['test_acc']:.2f}% ({correct}/{results['n_test']}), "
        f"test loss {test_loss:.4f}, after {plural(history.num_epochs, 'epoch')}")
    say(f"wrote {', '.join(FILES)} to {out}")
    return results
