"""Command line: ``python -m cnnlab train ...`` trains a model and writes a run folder.

::

    python -m cnnlab train --model lenet5 --dataset mnist --epochs 10 --optimizer adam \\
        --lr 1e-3 --batch-size 64 --seed 0 --out runs/lenet5
    python -m cnnlab train --out runs/lenet5 --resume --epochs 15   # 5 more epochs

The run folder (``--out``) receives:

=========================  ===============================================
``config.json``            every option of the run (``--resume`` reads it)
``checkpoint.npz``         model, optimizer, schedule, RNG states, epoch,
                           history (see :mod:`cnnlab.train.checkpoint`)
``history.json``           per-step and per-epoch loss, accuracy, lr
``history.csv``            one row per epoch
``history_steps.csv``      one row per step
``results.json``           final test loss, accuracy, per-class accuracy
``curves.png``             loss and accuracy curves
``confusion_matrix.png``   on the test split, after training
=========================  ===============================================

One ``--seed`` seeds everything, through three independent generators
spawned from it: one for the data (the validation split), one for the
model (initial weights, dropout masks), one for the training loop (the
order of the examples).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["main", "build_parser", "build_model", "build_optimizer", "build_schedule"]

MODELS = ("lenet5", "lenet5-classic", "mlp")
DATASETS = ("mnist", "fashion-mnist", "mnist-sample")
OPTIMIZERS = ("sgd", "adam", "rmsprop")
SCHEDULES = ("none", "step", "exponential", "cosine")
DEFAULT_LR = {"sgd": 0.01, "adam": 1e-3, "rmsprop": 1e-3}

#: Defaults of every training option (``lr=None``: the optimizer's, see DEFAULT_LR).
DEFAULTS = {
    "model": "lenet5", "activation": None, "dataset": "mnist", "data_dir": None, "val_size": 0, "n_train": None,
    "n_test": None, "batchnorm": False, "dropout": 0.0, "init": None, "fast": True,
    "optimizer": "adam", "lr": None, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0,
    "schedule": "none", "step_size": 5, "gamma": None, "min_lr": 0.0, "warmup": 0.0,
    "augment_shift": 0, "epochs": 10, "batch_size": 64, "eval_batch_size": 500, "early_stopping": 0,
    "monitor": "val_loss", "checkpoint_every": 1, "seed": 0, "out": None, "progress": True,
}
#: Options a resumed run may change: they do not alter the numbers.
RESUMABLE = {"epochs", "eval_batch_size", "checkpoint_every", "progress", "data_dir", "out"}
FILES = ("config.json", "checkpoint.npz", "history.json", "history.csv", "history_steps.csv",
         "results.json", "curves.png", "confusion_matrix.png")


DESCRIPTION = f"""\
Train a model with progress bars, print its final test accuracy, and write a
run folder (--out): {", ".join(FILES)}.

One --seed seeds everything (the validation split, the initial weights and
dropout, the order of the examples): the same command gives the same numbers.

examples:
  python -m cnnlab train --model lenet5 --dataset mnist --epochs 10 --optimizer adam \\
      --lr 1e-3 --batch-size 64 --seed 0 --out runs/lenet5
  python -m cnnlab train --out runs/lenet5 --resume --epochs 15    # 5 more epochs
  python -m cnnlab train --model mlp --dataset mnist-sample --epochs 3 --out runs/quick
"""


class CLIError(Exception):
    """A problem with the command line's options or files, reported without a traceback."""


def _count_or_fraction(text: str):
    """``"5000"`` -> 5000, ``"0.1"`` -> 0.1 (for --val-size)."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a count (5000) or a fraction (0.1), "
                                             f"got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m cnnlab`` argument parser (``train`` subcommand)."""
    parser = argparse.ArgumentParser(
        prog="python -m cnnlab",
        description="cnnlab: a NumPy CNN built from scratch. Train a model from the shell.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = sub.add_parser(
        "train", help="train a model, write checkpoint, history and plots into --out",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    d = DEFAULTS

    def add(group, *flags, **kw):
        # SUPPRESS: an option appears in the namespace only when given, so that
        # --resume can tell what the user asked for from what the defaults say.
        group.add_argument(*flags, default=argparse.SUPPRESS, **kw)

    g = train.add_argument_group("model")
    add(g, "--model", choices=MODELS, help=f"lenet5 (ReLU, max pooling), lenet5-classic (tanh, "
        f"average pooling, 1998) or mlp (784-400-200-10) (default: {d['model']})")
    add(g, "--activation", choices=("relu", "tanh", "sigmoid"), help="overrides the model's "
        "activation (default: relu for lenet5 and mlp, tanh for lenet5-classic)")
    add(g, "--batchnorm", action="store_true", help="batch norm after each convolution "
        "(LeNet-5) or hidden layer (MLP)")
    add(g, "--dropout", type=float, metavar="P", help=f"dropout probability before the "
        f"classifier layers (default: {d['dropout']})")
    add(g, "--init", metavar="NAME", help="weight initialiser: he, he_uniform, xavier, "
        "xavier_uniform... (default: he for ReLU models, xavier for lenet5-classic)")
    add(g, "--fast", action=argparse.BooleanOptionalAction, help="LeNet-5's fast kernels "
        "(cnnlab.fast: same numbers, about 5x faster); --no-fast trains with the reference "
        "layers (default: fast)")

    g = train.add_argument_group("data")
    add(g, "--dataset", choices=DATASETS, help=f"mnist (full, or the embedded sample if it cannot "
        f"be found or downloaded), fashion-mnist, or mnist-sample (the embedded 4,000/1,000 "
        f"digits) (default: {d['dataset']})")
    add(g, "--data-dir", metavar="DIR", help="folder holding the dataset files (default: the "
        "usual search: $CNNLAB_MNIST_DIR, the cache, a download)")
    add(g, "--val-size", type=_count_or_fraction, metavar="N",
        help=f"validation examples carved from the training set, a count or a fraction "
        f"(default: {d['val_size']}, no validation split)")
    add(g, "--n-train", type=int, metavar="N", help="use only the first N training examples")
    add(g, "--n-test", type=int, metavar="N", help="use only the first N test examples")
    add(g, "--augment-shift", type=int, metavar="PIXELS", help="shift each training image by up to "
        f"PIXELS in each direction, at random every time it is seen (default: {d['augment_shift']}, "
        f"no augmentation)")

    g = train.add_argument_group("optimizer and schedule")
    add(g, "--optimizer", choices=OPTIMIZERS, help=f"(default: {d['optimizer']})")
    add(g, "--lr", type=float, help="learning rate (default: 0.01 for sgd, 0.001 for adam and "
        "rmsprop)")
    add(g, "--momentum", type=float, help=f"momentum for sgd and rmsprop (default: {d['momentum']})")
    add(g, "--nesterov", action="store_true", help="Nesterov momentum (sgd, needs --momentum)")
    add(g, "--weight-decay", type=float, metavar="WD", help=f"L2 weight decay added to the "
        f"gradient (default: {d['weight_decay']})")
    add(g, "--schedule", choices=SCHEDULES, help=f"learning-rate schedule, per epoch (default: "
        f"{d['schedule']})")
    add(g, "--step-size", type=int, metavar="N", help=f"step schedule: multiply the rate by "
        f"--gamma every N epochs (default: {d['step_size']})")
    add(g, "--gamma", type=float, help="decay factor of the step (default 0.1) or exponential "
        "(default 0.95) schedule")
    add(g, "--min-lr", type=float, help=f"cosine schedule: final rate (default: {d['min_lr']})")
    add(g, "--warmup", type=float, metavar="EPOCHS", help="linear warm-up over this many epochs, "
        "rising every step, before the schedule (default: 0, none)")

    g = train.add_argument_group("training")
    add(g, "--epochs", type=int, help=f"total number of epochs; with --resume, including those "
        f"already done (default: {d['epochs']})")
    add(g, "--batch-size", type=int, help=f"(default: {d['batch_size']})")
    add(g, "--eval-batch-size", type=int, help=f"batch size for evaluation, does not change "
        f"results (default: {d['eval_batch_size']})")
    add(g, "--early-stopping", type=int, metavar="PATIENCE", help="stop after PATIENCE epochs "
        "without improvement of --monitor and restore the best weights (default: 0, off)")
    add(g, "--monitor", choices=("val_loss", "val_acc", "train_loss", "train_acc"),
        help=f"what early stopping watches (default: {d['monitor']}; needs --val-size)")
    add(g, "--seed", type=int, help=f"seeds everything (default: {d['seed']})")
    add(g, "--progress", action=argparse.BooleanOptionalAction, help="progress bars (default: on)")

    g = train.add_argument_group("output")
    add(g, "--out", metavar="DIR", help="run folder for the checkpoint, history and plots "
        "(default: runs/MODEL-DATASET)")
    add(g, "--checkpoint-every", type=int, metavar="N", help=f"write the checkpoint every N "
        f"epochs, and after the last (default: {d['checkpoint_every']})")
    add(g, "--resume", action="store_true", help="continue the run in --out from its checkpoint, "
        "with its saved options; only --epochs, --eval-batch-size, --checkpoint-every, "
        "--progress and --data-dir may change")
    add(g, "--overwrite", action="store_true", help="start afresh even if --out already holds a run")
    return parser


# -- building blocks ------------------------------------------------------------------------

def build_model(config: dict, rng: np.random.Generator):
    """The model named by ``config["model"]``, with its options."""
    from .models import MLP, LeNet5
    name = config["model"]
    common = dict(rng=rng, batchnorm=config["batchnorm"], dropout=config["dropout"])
    if config["init"]:
        common["init"] = config["init"]
    if config.get("activation"):
        common["activation"] = config["activation"]
    if name in ("lenet5", "lenet5-classic"):
        return LeNet5(**common, variant="modern" if name == "lenet5" else "classic",
                      fast=bool(config["fast"]))
    if name == "mlp":  # an MLP is matrix products already: the reference layers are its fast path
        return MLP((784, 400, 200, 10), **common)
    raise CLIError(f"unknown model {name!r}; expected one of {list(MODELS)}")


def build_optimizer(config: dict, model):
    """The optimizer named by ``config["optimizer"]`` on ``model``."""
    from .optim import SGD, Adam, RMSProp
    name, lr = config["optimizer"], config["lr"]
    if name == "sgd":
        return SGD(model, lr=lr, momentum=config["momentum"], nesterov=config["nesterov"],
                   weight_decay=config["weight_decay"])
    if config["nesterov"]:
        raise CLIError(f"--nesterov applies to sgd only, not {name}")
    if name == "adam":
        if config["momentum"]:
            raise CLIError("--momentum does not apply to adam (its betas play that role)")
        return Adam(model, lr=lr, weight_decay=config["weight_decay"])
    if name == "rmsprop":
        return RMSProp(model, lr=lr, momentum=config["momentum"], weight_decay=config["weight_decay"])
    raise CLIError(f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}")


def build_schedule(config: dict):
    """The schedule named by ``config["schedule"]`` (None for ``"none"``), with its warm-up."""
    from .optim import schedules as S
    name, lr = config["schedule"], config["lr"]
    if name == "none":
        schedule = S.ConstantSchedule(lr) if config["warmup"] else None
    elif name == "step":
        schedule = S.StepSchedule(lr, step_size=config["step_size"],
                                  gamma=0.1 if config["gamma"] is None else config["gamma"])
    elif name == "exponential":
        schedule = S.ExponentialSchedule(lr, gamma=0.95 if config["gamma"] is None else config["gamma"])
    elif name == "cosine":
        # the horizon of the first call: a resumed run with more --epochs keeps the same curve
        schedule = S.CosineSchedule(lr, num_epochs=config.get("schedule_epochs") or config["epochs"],
                                    min_lr=config["min_lr"])
    else:
        raise CLIError(f"unknown schedule {name!r}; expected one of {list(SCHEDULES)}")
    if config["warmup"]:
        schedule = S.LinearWarmup(schedule, warmup_epochs=config["warmup"])
    return schedule


def load_data(config: dict, rng: np.random.Generator):
    """The dataset named by ``config["dataset"]``."""
    from .datasets import load_fashion_mnist, load_mnist
    kwargs = dict(val_size=config["val_size"], n_train=config["n_train"], n_test=config["n_test"],
                  rng=rng)
    name = config["dataset"]
    if name == "mnist":
        return load_mnist(config["data_dir"], **kwargs)
    if name == "mnist-sample":
        return load_mnist(source="sample", **kwargs)
    if name == "fashion-mnist":
        return load_fashion_mnist(config["data_dir"], **kwargs)
    raise CLIError(f"unknown dataset {name!r}; expected one of {list(DATASETS)}")


def _config(given: dict) -> tuple[dict, Path]:
    """Merge the options given with the defaults, or with the saved run's (``--resume``)."""
    out = Path(given.get("out") or f"runs/{given.get('model', DEFAULTS['model'])}-"
                                   f"{given.get('dataset', DEFAULTS['dataset'])}")
    if given.get("resume"):
        saved_path = out / "config.json"
        if not saved_path.is_file() or not (out / "checkpoint.npz").is_file():
            raise CLIError(f"--resume: {out} holds no run to continue (needs config.json and "
                           f"checkpoint.npz); train without --resume first")
        saved = json.loads(saved_path.read_text(encoding="utf-8"))
        changed = [f"--{k.replace('_', '-')} (saved {saved.get(k)!r}, given {v!r})"
                   for k, v in given.items()
                   if k in DEFAULTS and k not in RESUMABLE and saved.get(k) != v]
        if changed:
            raise CLIError("--resume continues a run with its saved options; these differ: "
                           + ", ".join(changed) + ". Use a new --out for a different run.")
        config = {**DEFAULTS, **saved, **{k: v for k, v in given.items() if k in DEFAULTS}}
    else:
        if (out / "checkpoint.npz").exists() and not given.get("overwrite"):
            raise CLIError(f"{out} already holds a run (checkpoint.npz); pass --resume to continue "
                           f"it, --overwrite to replace it, or choose another --out")
        config = {**DEFAULTS, **{k: v for k, v in given.items() if k in DEFAULTS}}
        if config["lr"] is None:
            config["lr"] = DEFAULT_LR[config["optimizer"]]
        config["schedule_epochs"] = config["epochs"]  # the cosine schedule's horizon
    config["out"] = str(out)
    return config, out


def _check_config(config: dict) -> None:
    for key in ("epochs", "batch_size", "eval_batch_size", "checkpoint_every"):
        if config[key] < 1:
            raise CLIError(f"--{key.replace('_', '-')} must be >= 1, got {config[key]}")
    if config["augment_shift"] < 0:
        raise CLIError(f"--augment-shift must be >= 0, got {config['augment_shift']}")
    if config["early_stopping"] < 0:
        raise CLIError(f"--early-stopping must be >= 0, got {config['early_stopping']}")


def train(given: dict, *, say=print) -> dict:
    """Run ``python -m cnnlab train`` with the options in ``given``; return the results."""
    import matplotlib
    matplotlib.use("Agg")
    from .datasets import RandomShift
    from .metrics import confusion_matrix, per_class_accuracy
    from .train import EarlyStopping, evaluate, fit, predict
    from .viz import plot_confusion_matrix, plot_history

    config, out = _config(given)
    _check_config(config)
    resume = bool(given.get("resume"))
    data_rng, model_rng, train_rng = (np.random.default_rng(s)
                                      for s in np.random.SeedSequence(config["seed"]).spawn(3))
    data = load_data(config, data_rng)
    model = build_model(config, model_rng)
    optimizer = build_optimizer(config, model)
    schedule = build_schedule(config)
    early = None
    if config["early_stopping"]:
        early = EarlyStopping(monitor=config["monitor"], patience=config["early_stopping"])
    progress = config["progress"]
    if progress:
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
                  resume=checkpoint if resume else None, progress=progress,
                  eval_batch_size=config["eval_batch_size"],
                  augment=RandomShift(config["augment_shift"]) if config["augment_shift"] else None)
    seconds = time.perf_counter() - started

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


def main(argv=None) -> int:
    """Entry point of ``python -m cnnlab``; returns the exit status."""
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    command = args.pop("command")
    from .datasets import DatasetNotFoundError
    from .train import NonFiniteLossError
    if command == "train":
        try:
            train(args)
        except CLIError as exc:
            parser.exit(2, f"python -m cnnlab train: error: {exc}\n")
        except (ValueError, TypeError, FileNotFoundError, DatasetNotFoundError,
                NonFiniteLossError) as exc:
            print(f"python -m cnnlab train: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
    return 0
