"""Every option of a training run, declared once: its type, default, bounds and help.

``python -m cnnlab train``'s parser, ``python -m cnnlab.sweep``'s flags and
search space, and their checks are all derived from :data:`OPTIONS`
(:mod:`cnnlab.recipe.arguments`, :mod:`cnnlab.sweep.params`). A *recipe* (a
run's configuration) is a plain dict of these names, e.g. ``{"model":
"lenet5", "optimizer": "adam", "lr": 0.001, ...}``; :func:`check_option` puts
each value in one canonical type (``dropout=0`` becomes ``0.0``), so that two
spellings of the same recipe are the same recipe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .._options import check_bool, check_choice, check_int, check_real

__all__ = ["Option", "OPTIONS", "DEFAULTS", "SEARCHABLE", "DEFAULT_LR", "RecipeError",
           "check_option", "parse_option", "format_option", "canonical_json"]


class RecipeError(ValueError):
    """Options that do not fit together, or a run folder that cannot be used; the message says
    which option (as typed on the command line) and what to do."""


@dataclass(frozen=True)
class Option:
    """One option of a training run.

    ``kind`` is ``"choice"`` (one of ``choices``), ``"int"``, ``"float"``
    (within ``low``/``high``, open ends as the flags say), ``"bool"``,
    ``"str"`` or ``"count_or_fraction"`` (an int >= 0 or a float in (0, 1)).
    ``nullable``: None is allowed (written ``none``), meaning ``null_means``.
    ``searchable``: part of a sweep's configuration (:mod:`cnnlab.sweep.params`).
    """

    name: str
    kind: str
    default: object
    help: str
    group: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    nullable: bool = False
    searchable: bool = True
    metavar: str | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


MODELS = ("lenet5", "lenet5-classic", "mlp")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
DATASETS = ("mnist", "fashion-mnist", "mnist-sample")
OPTIMIZERS = ("sgd", "adam", "rmsprop")
SCHEDULES = ("none", "step", "exponential", "cosine")
#: The learning rate of ``lr=None``, by optimizer.
DEFAULT_LR = {"sgd": 0.01, "adam": 1e-3, "rmsprop": 1e-3}

_M, _D, _O, _T = "model", "data", "optimizer and schedule", "training"
_DECLARED = [
    Option("model", "choice", "lenet5", "lenet5 (ReLU, max pooling), lenet5-classic (tanh, average "
           "pooling, 1998) or mlp (784-400-200-10)", _M, MODELS),
    Option("activation", "choice", None, "relu, tanh or sigmoid; none: the model's own (relu for "
           "lenet5 and mlp, tanh for lenet5-classic)", _M, ACTIVATIONS, nullable=True),
    Option("pooling", "choice", None, "max or avg (LeNet-5 only); none: the model's own (max for "
           "lenet5, avg for lenet5-classic)", _M, ("max", "avg"), nullable=True, searchable=False),
    Option("batchnorm", "bool", False, "batch norm after each convolution (LeNet-5) or hidden "
           "layer (MLP)", _M),
    Option("dropout", "float", 0.0, "dropout probability before the classifier layers, in [0, 1)",
           _M, low=0.0, high=1.0, high_open=True, metavar="P"),
    Option("init", "str", None, "weight initialiser: he, he_uniform, xavier, xavier_uniform...; "
           "none: he for ReLU models, xavier for lenet5-classic", _M, nullable=True, metavar="NAME"),
    Option("fast", "bool", True, "LeNet-5's fast kernels (cnnlab.fast: the same numbers to "
           "rounding, about 5x faster); --no-fast trains with the reference layers (the MLP has "
           "no other path)", _M),
    Option("dataset", "choice", "mnist", "mnist (full, or the embedded sample if it cannot be "
           "found or downloaded), fashion-mnist, or mnist-sample (the embedded 4,000/1,000 digits)",
           _D, DATASETS, searchable=False),
    Option("data_dir", "str", None, "folder holding the dataset files; none: the usual search "
           "($CNNLAB_MNIST_DIR, the cache, a download)", _D, nullable=True, searchable=False,
           metavar="DIR"),
    Option("val_size", "count_or_fraction", 0, "validation examples carved from the training "
           "set, a count (5000) or a fraction (0.1); 0: no validation split", _D, searchable=False,
           metavar="N"),
    Option("n_train", "int", None, "use only the first N training examples; none: all", _D,
           low=1, nullable=True, searchable=False, metavar="N"),
    Option("n_test", "int", None, "use only the first N test examples; none: all", _D, low=1,
           nullable=True, searchable=False, metavar="N"),
    Option("augment_shift", "int", 0, "shift each training image by up to this many pixels in "
           "each direction, at random every time it is seen (0: no augmentation)", _D, low=0,
           metavar="PIXELS"),
    Option("optimizer", "choice", "adam", "sgd, adam or rmsprop", _O, OPTIMIZERS),
    Option("lr", "float", None, "learning rate > 0; none: 0.01 for sgd, 0.001 for adam and "
           "rmsprop", _O, low=0.0, low_open=True, nullable=True, metavar="LR"),
    Option("momentum", "float", 0.0, "momentum of sgd and rmsprop, in [0, 1)", _O, low=0.0,
           high=1.0, high_open=True, metavar="M"),
    Option("nesterov", "bool", False, "Nesterov momentum (sgd, needs momentum)", _O),
    Option("weight_decay", "float", 0.0, "L2 weight decay added to the gradient, >= 0", _O,
           low=0.0, metavar="WD"),
    Option("schedule", "choice", "none", "learning-rate schedule, per epoch: none, step, "
           "exponential or cosine", _O, SCHEDULES),
    Option("step_size", "int", 5, "step schedule: multiply the rate by gamma every this many "
           "epochs", _O, low=1, metavar="EPOCHS"),
    Option("gamma", "float", None, "decay factor of the step (none: 0.1) or exponential "
           "(none: 0.95) schedule", _O, low=0.0, low_open=True, nullable=True, metavar="FACTOR"),
    Option("min_lr", "float", 0.0, "cosine schedule: the final rate", _O, low=0.0, metavar="LR"),
    Option("warmup", "float", 0.0, "linear warm-up over this many epochs, rising every step, "
           "before the schedule (0: none)", _O, low=0.0, metavar="EPOCHS"),
    Option("epochs", "int", 10, "total number of epochs (a resumed run counts those already done)",
           _T, low=1, metavar="N"),
    Option("batch_size", "int", 64, "examples per mini-batch", _T, low=1, metavar="N"),
    Option("eval_batch_size", "int", 500, "batch size of evaluation, does not change results", _T,
           low=1, searchable=False, metavar="N"),
    Option("early_stopping", "int", 0, "stop after this many epochs without improvement of "
           "--monitor and restore the best weights (0: off)", _T, low=0, searchable=False,
           metavar="PATIENCE"),
    Option("monitor", "choice", "val_loss", "what early stopping watches (val_ needs --val-size)",
           _T, ("val_loss", "val_acc", "train_loss", "train_acc"), searchable=False),
    Option("seed", "int", 0, "seeds everything: the validation split, the initial weights and "
           "dropout, the order of the examples", _T, low=0, searchable=False),
    Option("progress", "bool", True, "progress bars", _T, searchable=False),
    Option("out", "str", None, "run folder for the checkpoint, history and plots; none: "
           "runs/MODEL-DATASET", "output", nullable=True, searchable=False, metavar="DIR"),
    Option("checkpoint_every", "int", 1, "write the checkpoint every N epochs, and after the last",
           "output", low=1, searchable=False, metavar="N"),
]

#: Every option by name, in the order of the help.
OPTIONS: dict[str, Option] = {option.name: option for option in _DECLARED}
#: The default of every option.
DEFAULTS: dict[str, object] = {option.name: option.default for option in _DECLARED}
#: The options a sweep's configuration holds (and may search), in order.
SEARCHABLE: tuple[str, ...] = tuple(option.name for option in _DECLARED if option.searchable)


def check_option(func: str, name: str, value, *, label: str | None = None):
    """``value`` of option ``name`` in its canonical type, or a ``TypeError``/``ValueError``.

    The message starts with ``func`` and names the option as ``label``
    (default its name; the command line passes the flag, ``--dropout``).

    Returns
    -------
    str, int, float, bool or None
        ``float`` for real options (``0`` becomes ``0.0``), ``int`` for counts,
        plain ``bool``, or None where the option allows it.
    """
    option = OPTIONS[name]
    label = label or name
    if value is None and option.nullable:
        return None
    if option.kind == "choice":
        return check_choice(func, label, value, option.choices)
    if option.kind == "bool":
        return check_bool(func, label, value)
    if option.kind == "int":
        return check_int(func, label, value, low=option.low)
    if option.kind == "float":
        return check_real(func, label, value, low=option.low, high=option.high,
                          low_open=option.low_open, high_open=option.high_open)
    if option.kind == "count_or_fraction":
        if isinstance(value, float):
            return check_real(func, label, value, low=0.0, high=1.0, low_open=True, high_open=True)
        return check_int(func, label, value, low=0)
    if not isinstance(value, str) or not value:
        raise TypeError(f"{func}: expected {label} to be a non-empty string, got {value!r}")
    return value


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
_EXPECTED = {"bool": "true or false", "int": "an integer", "float": "a number",
             "count_or_fraction": "a count (5000) or a fraction (0.1)"}


def parse_option(func: str, name: str, text: str, *, label: str | None = None):
    """Option ``name``'s value from its text (``"1e-3"``, ``"true"``, ``"none"``), checked.

    The inverse of :func:`format_option`.
    """
    option, label = OPTIONS[name], label or name
    text = text.strip()
    if option.nullable and text.lower() in ("none", ""):
        return None
    kind = option.kind
    try:
        if kind == "bool":
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError
            value = text.lower() in _TRUE
        elif kind == "int":
            value = int(text)
        elif kind == "float":
            value = float(text)
        elif kind == "count_or_fraction":
            value = int(text) if text.lstrip("+-").isdigit() else float(text)
        else:
            value = text
    except ValueError:
        raise ValueError(f"{func}: expected {label} to be {_EXPECTED[kind]}, got {text!r}") from None
    return check_option(func, name, value, label=label)


def format_option(value) -> str:
    """A value as text that :func:`parse_option` reads back exactly (``repr`` for floats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def canonical_json(value) -> str:
    """One string per recipe: sorted keys, no spaces, floats as ``repr``, no NaN."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)

