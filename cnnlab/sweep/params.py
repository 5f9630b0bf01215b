"""What one trial's configuration is: the training options a sweep may set or search.

A *configuration* is a plain dict of every training option, the same keys as
``python -m cnnlab train`` (:data:`cnnlab.cli.DEFAULTS`) plus ``activation``::

    {"model": "lenet5", "activation": None, "batchnorm": False, "dropout": 0.0,
     "init": None, "fast": True, "optimizer": "adam", "lr": 0.001, ...}

Every value is checked and put in one canonical type (``dropout=0`` becomes
``0.0``), so that two spellings of the same configuration are the same
configuration: the same row in a table and the same seed
(:func:`canonical_json`).
"""

from __future__ import annotations

import difflib
import json
import math
from numbers import Integral, Real

import numpy as np

from ..cli import DEFAULT_LR, DEFAULTS, MODELS, OPTIMIZERS, SCHEDULES

__all__ = ["PARAMS", "ACTIVATIONS", "SWEEP_DEFAULTS", "check_value", "check_key", "parse_value",
           "format_value", "full_config", "canonical_json"]

ACTIVATIONS = ("relu", "tanh", "sigmoid")

# name: (kind, details, nullable, help). kind "choice": details are the choices;
# "float"/"int": details are (low, high, high_open); "bool"; "str".
PARAMS = {
    "model": ("choice", MODELS, False, "lenet5, lenet5-classic or mlp (784-400-200-10)"),
    "activation": ("choice", ACTIVATIONS, True, "relu, tanh or sigmoid; none: the model's own "
                   "(ReLU for lenet5 and mlp, tanh for lenet5-classic)"),
    "batchnorm": ("bool", None, False, "batch norm after each convolution or hidden layer"),
    "dropout": ("float", (0.0, 1.0, True), False, "dropout probability, in [0, 1)"),
    "init": ("str", None, True, "weight initialiser (he, xavier, ...); none: the model's default"),
    "fast": ("bool", None, False, "LeNet-5's fast kernels, same numbers to rounding (the MLP "
             "has no other path)"),
    "optimizer": ("choice", OPTIMIZERS, False, "sgd, adam or rmsprop"),
    "lr": ("float", (0.0, None, False), True, "learning rate > 0; none: 0.01 for sgd, 0.001 "
           "for adam and rmsprop"),
    "momentum": ("float", (0.0, 1.0, True), False, "momentum of sgd and rmsprop, in [0, 1)"),
    "nesterov": ("bool", None, False, "Nesterov momentum (sgd, needs momentum)"),
    "weight_decay": ("float", (0.0, None, False), False, "L2 weight decay, >= 0"),
    "schedule": ("choice", SCHEDULES, False, "learning-rate schedule: none, step, exponential "
                 "or cosine"),
    "step_size": ("int", (1, None, False), False, "step schedule: epochs between decays"),
    "gamma": ("float", (0.0, None, False), True, "decay factor of the step (none: 0.1) or "
              "exponential (none: 0.95) schedule"),
    "min_lr": ("float", (0.0, None, False), False, "cosine schedule: the final rate"),
    "warmup": ("float", (0.0, None, False), False, "linear warm-up, in epochs (0: none)"),
    "augment_shift": ("int", (0, None, False), False, "shift each training image by up to this "
                      "many pixels, at random every time it is seen (0: no augmentation)"),
    "epochs": ("int", (1, None, False), False, "number of epochs"),
    "batch_size": ("int", (1, None, False), False, "examples per mini-batch"),
}

#: The configuration every sweep starts from: ``python -m cnnlab train``'s
#: defaults (:data:`cnnlab.cli.DEFAULTS`): activation None is the model's own.
SWEEP_DEFAULTS = {k: DEFAULTS.get(k) for k in PARAMS}


def check_key(func: str, name) -> str:
    """``name`` if it is a training option of :data:`PARAMS`, else a ``ValueError`` naming the closest."""
    if not isinstance(name, str) or name not in PARAMS:
        close = difflib.get_close_matches(str(name), list(PARAMS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{func}: unknown hyperparameter {name!r}{hint}; expected one of "
                         f"{list(PARAMS)}")
    return name


def _interval(low, high, high_open) -> str:
    return f"[{low:g}, " + ("inf)" if high is None else f"{high:g}" + (")" if high_open else "]"))


def check_value(func: str, name: str, value):
    """``value`` of option ``name`` in its canonical type, or raise.

    Returns
    -------
    str, int, float, bool or None
        ``float`` for real options (``0`` becomes ``0.0``), ``int`` for
        counts, plain ``bool``, or None where the option allows it.

    Raises
    ------
    ValueError
        ``name`` is unknown, or the value is out of range or not a choice.
    TypeError
        The value has the wrong type (a string for ``lr``, 2.5 for ``epochs``).
    """
    check_key(func, name)
    kind, details, nullable, _ = PARAMS[name]
    where = f"{func}: {name}"
    if value is None:
        if nullable:
            return None
        raise TypeError(f"{where} cannot be None")
    if kind == "choice":
        if not isinstance(value, str) or value not in details:
            raise ValueError(f"{where}: unknown value {value!r}; expected one of {list(details)}")
        return value
    if kind == "str":
        if not isinstance(value, str) or not value:
            raise TypeError(f"{where}: expected a non-empty string, got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{where}: expected True or False, got {value!r}")
        return bool(value)
    low, high, high_open = details
    if kind == "int":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
            raise TypeError(f"{where}: expected an int, got {value!r} ({type(value).__name__})")
        if value < low:
            raise ValueError(f"{where}: expected an int >= {low}, got {value!r}")
        return int(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{where}: expected a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    positive = name in ("lr", "gamma")  # a rate of 0 trains nothing
    if (not math.isfinite(value) or value < low or (positive and value == low)
            or (high is not None and (value > high or (high_open and value == high)))):
        interval = _interval(low, high, high_open)
        if positive:
            interval = "(" + interval[1:]
        raise ValueError(f"{where}: expected a number in {interval}, got {value!r}")
    return value


_TRUE, _FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def parse_value(func: str, name: str, text: str):
    """Option ``name``'s value from a command-line string (``"1e-3"``, ``"true"``, ``"none"``).

    The inverse of :func:`format_value`, checked with :func:`check_value`.
    """
    check_key(func, name)
    kind, _, nullable, _ = PARAMS[name]
    text = text.strip()
    if nullable and text.lower() in ("none", ""):
        return None
    try:
        if kind == "bool":
            if text.lower() not in _TRUE + _FALSE:
                raise ValueError
            value = text.lower() in _TRUE
        elif kind == "int":
            value = int(text)
        elif kind == "float":
            value = float(text)
        else:
            value = text
    except ValueError:
        expected = {"bool": "true or false", "int": "an integer", "float": "a number"}[kind]
        raise ValueError(f"{func}: {name}: expected {expected}, got {text!r}") from None
    return check_value(func, name, value)


def format_value(value) -> str:
    """A value as text that :func:`parse_value` reads back exactly (``repr`` for floats)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def full_config(func: str, base=None, point=None) -> dict:
    """:data:`SWEEP_DEFAULTS`, updated by ``base``, then by ``point``; every value checked.

    ``lr=None`` becomes the optimizer's default learning rate
    (:data:`cnnlab.cli.DEFAULT_LR`), so a table shows the rate actually used.
    Keys come out in the order of :data:`PARAMS`.
    """
    config = dict(SWEEP_DEFAULTS)
    for part in (base or {}, point or {}):
        for name, value in part.items():
            config[name] = check_value(func, name, value)
    if config["lr"] is None:
        config["lr"] = float(DEFAULT_LR[config["optimizer"]])
    return {k: config[k] for k in PARAMS}


def canonical_json(value) -> str:
    """One string per configuration: sorted keys, no spaces, floats as ``repr``."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
