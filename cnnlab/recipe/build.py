"""What a recipe builds: its data, model, optimizer and schedule.

Each builder takes a whole recipe (a dict of every option of
:data:`~cnnlab.recipe.OPTIONS`, e.g. ``{**DEFAULTS, "model": "mlp"}``) and
raises :class:`~cnnlab.recipe.RecipeError` for options that do not fit
together, naming them as typed on the command line.
"""

from __future__ import annotations

import numpy as np

from .options import DATASETS, MODELS, OPTIMIZERS, OPTIONS, SCHEDULES, RecipeError

__all__ = ["build_model", "build_optimizer", "build_schedule", "load_data"]


def build_model(config: dict, rng: np.random.Generator):
    """The model named by ``config["model"]``, with its options; ``rng`` draws its weights."""
    from ..models import MLP, LeNet5
    name = config["model"]
    common = dict(rng=rng, batchnorm=config["batchnorm"], dropout=config["dropout"])
    if config["init"]:
        common["init"] = config["init"]
    if config.get("activation"):
        common["activation"] = config["activation"]
    if name in ("lenet5", "lenet5-classic"):
        return LeNet5(**common, variant="modern" if name == "lenet5" else "classic",
                      pooling=config.get("pooling"), fast=bool(config["fast"]))
    if config.get("pooling"):
        raise RecipeError(f"--pooling applies to lenet5 and lenet5-classic, not {name}")
    if name == "mlp":  # an MLP is matrix products already: the reference layers are its fast path
        return MLP((784, 400, 200, 10), **common)
    raise RecipeError(f"unknown model {name!r}; expected one of {list(MODELS)}")


def build_optimizer(config: dict, model):
    """The optimizer named by ``config["optimizer"]`` on ``model``."""
    from ..optim import SGD, Adam, RMSProp
    name, lr = config["optimizer"], config["lr"]
    if name == "sgd":
        return SGD(model, lr=lr, momentum=config["momentum"], nesterov=config["nesterov"],
                   weight_decay=config["weight_decay"])
    if config["nesterov"]:
        raise RecipeError(f"--nesterov applies to sgd only, not {name}")
    if name == "adam":
        if config["momentum"]:
            raise RecipeError("--momentum does not apply to adam (its betas play that role)")
        return Adam(model, lr=lr, weight_decay=config["weight_decay"])
    if name == "rmsprop":
        return RMSProp(model, lr=lr, momentum=config["momentum"], weight_decay=config["weight_decay"])
    raise RecipeError(f"unknown optimizer {name!r}; expected one of {list(OPTIMIZERS)}")


def build_schedule(config: dict):
    """The schedule named by ``config["schedule"]`` (None for ``"none"``), with its warm-up."""
    from ..optim import schedules as S
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
        raise RecipeError(f"unknown schedule {name!r}; expected one of {list(SCHEDULES)}")
    if config["warmup"]:
        schedule = S.LinearWarmup(schedule, warmup_epochs=config["warmup"])
    return schedule


def load_data(config: dict, rng: np.random.Generator):
    """The dataset named by ``config["dataset"]``, with ``val_size``, ``n_train``, ``n_test``, ``data_dir``.

    A ``data_dir`` that does not hold the dataset is a :class:`RecipeError`
    (``--data-dir DIR does not exist; ...``), never replaced by another folder;
    so is a count the data cannot give (``--n-train 20000 is more than the 4000
    training examples available``).
    """
    from ..datasets import DataDirError, load_fashion_mnist, load_mnist
    kwargs = dict(val_size=config["val_size"], n_train=config["n_train"], n_test=config["n_test"],
                  rng=rng)
    name, data_dir = config["dataset"], config["data_dir"]
    if name == "mnist-sample":
        if data_dir is not None:
            raise RecipeError("--data-dir applies to --dataset mnist and fashion-mnist, not "
                              "mnist-sample (the sample ships in the package); drop one of them")
        load, kwargs["source"] = load_mnist, "sample"
    elif name in ("mnist", "fashion-mnist"):
        load, kwargs["data_dir"] = (load_mnist if name == "mnist" else load_fashion_mnist), data_dir
    else:
        raise RecipeError(f"unknown dataset {name!r}; expected one of {list(DATASETS)}")
    try:
        return load(**kwargs)
    except DataDirError as exc:
        raise RecipeError(f"--data-dir {exc.folder} {exc.problem}") from None
    except ValueError as exc:  # "load_mnist: n_train=20000 is more than ...": named as the flag
        text = str(exc).split(": ", 1)[-1]
        for option in ("val_size", "n_train", "n_test"):
            if text.startswith(f"{option}="):
                raise RecipeError(f"{OPTIONS[option].flag} {text[len(option) + 1:]}") from None
        raise
