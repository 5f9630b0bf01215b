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
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from .build import build_model, build_optimizer, build_schedule, load_data
from .options import DEFAULT_LR, DEFAULTS, RecipeError, check_option

__all__ = ["train_run", "FILES", "RESUMABLE"]

#: Options a resumed run may change: they do not alter the numbers.
RESUMABLE = {"epochs", "eval_batch_size", "checkpoint_every", "progress", "data_dir", "out"}
FILES = ("config.json", "checkpoint.npz", "history.json", "history.csv", "history_steps.csv",
         "results.json", "curves.png", "confusion_matrix.png")


def _config(given: dict, resume: bool, overwrite: bool) -> tuple[dict, Path]:
    """Merge the options given with the defaults, or with the saved run's (``resume``)."""
    out = Path(given.get("out") or f"runs/{given.get('model', DEFAULTS['model'])}-"
                                   f"{given.get('dataset', DEFAULTS['dataset'])}")
    if resume:
        saved_path = out / "config.json"
        if not saved_path.is_file() or not (out / "checkpoint.npz").is_file():
            raise RecipeError(f"--resume: {out} holds no run to continue (needs config.json and "
                              f"checkpoint.npz); train without --resume first")
        saved = json.loads(saved_path.read_text(encoding="utf-8"))
        changed = [f"--{k.replace('_', '-')} (saved {saved.get(k)!r}, given {v!r})"
                   for k, v in given.items() if k not in RESUMABLE and saved.get(k, DEFAULTS[k]) != v]
        if changed:
            raise RecipeError("--resume continues a run with its saved options; these differ: "
                              + ", ".join(changed) + ". Use a new --out for a different run.")
        config = {**DEFAULTS, **saved, **given}
    else:
        if (out / "checkpoint.npz").exists() and not overwrite:
            raise RecipeError(f"{out} already holds a run (checkpoint.npz); pass --resume to continue "
                              f"it, --overwrite to replace it, or choose another --out")
        config = {**DEFAULTS, **given}
        if config["lr"] is None:
            config["lr"] = DEFAULT_LR[config["optimizer"]]
        config["schedule_epochs"] = config["epochs"]  # the cosine schedule's horizon
    config["out"] = str(out)
    return config, out


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
        Options that do not fit together, or a folder that cannot be used.
    """
    import matplotlib
    matplotlib.use("Agg")
    from ..datasets import RandomShift
    from ..train import EarlyStopping, fit

    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"train_run: unknown options {unknown}; expected names of cnnlab.recipe.OPTIONS")
    given = {name: check_option("train_run", name, value) for name, value in given.items()}
    config, out = _config(given, resume, overwrite)
    data_rng, model_rng, train_rng = (np.random.default_rng(s)
                                      for s in np.random.SeedSequence(config["seed"]).spawn(3))
    data = load_data(config, data_rng)
    model = build_model(config, model_rng)
    optimizer = build_optimizer(config, model)
    schedule = build_schedule(config)
    early = None
    if config["early_stopping"]:
        early = EarlyStopping(monitor=config["monitor"], patience=config["early_stopping"])
    if config["progress"]:
        say(repr(data))
        if hasattr(model, "summary"):
            model.summary()
        say(f"optimizer: {optimizer!r}" + (f", schedule: {schedule!r}" if schedule else ""))
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    checkpoint = out / "checkpoint.npz"
    started = time.perf_counter()
    history = fit(model, data, optimizer=optimizer, num_epochs=config["epochs"],
                  batch_size=config["batch_size"], rng=train_rng, schedule=schedule,
                  early_stopping=early, checkpoint=checkpoint,
                  checkpoint_every=config["checkpoint_every"],
                  resume=checkpoint if resume else None, progress=config["progress"],
                  eval_batch_size=config["eval_batch_size"],
                  augment=RandomShift(config["augment_shift"]) if config["augment_shift"] else None)
    seconds = time.perf_counter() - started
    return _write_results(out, data, model, history, config, seconds, say)


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
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    plot_history(history).savefig(out / "curves.png", dpi=120)
    plot_confusion_matrix(cm, class_names=data.class_names).savefig(out / "confusion_matrix.png",
                                                                  dpi=120)
    correct = int(np.trace(cm))
    say(f"test accuracy: {100 * results['test_acc']:.2f}% ({correct}/{results['n_test']}), "
        f"test loss {test_loss:.4f}, after {history.num_epochs} epochs")
    say(f"wrote {', '.join(FILES)} to {out}")
    return results
