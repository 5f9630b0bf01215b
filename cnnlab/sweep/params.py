"""What one trial's configuration is: the searchable options of the recipe, checked.

A *configuration* is a plain dict of every option of
:data:`cnnlab.recipe.SEARCHABLE` (the recipe's options a sweep may set or
search, declared in :mod:`cnnlab.recipe.options`)::

    {"model": "lenet5", "activation": None, "batchnorm": False, "dropout": 0.0,
     "init": None, "fast": True, "optimizer": "adam", "lr": 0.001, ...}

Every value is checked and put in one canonical type by the recipe
(``dropout=0`` becomes ``0.0``), so that two spellings of the same
configuration are the same configuration: the same row in a table and the
same seed (:func:`canonical_json`).
"""

from __future__ import annotations

import difflib

from ..recipe import DEFAULT_LR, DEFAULTS, OPTIONS, SEARCHABLE, canonical_json, check_option, parse_option
from ..recipe import format_option as format_value  # noqa: F401  (the name the sweep's files use)

__all__ = ["PARAMS", "SWEEP_DEFAULTS", "check_value", "check_key", "parse_value", "format_value",
           "full_config", "canonical_json"]

#: The options a configuration holds, by name (:class:`cnnlab.recipe.Option`), in order.
PARAMS = {name: OPTIONS[name] for name in SEARCHABLE}

#: The configuration every sweep starts from: the recipe's defaults (activation None is the model's own).
SWEEP_DEFAULTS = {name: DEFAULTS[name] for name in SEARCHABLE}


def check_key(func: str, name) -> str:
    """``name`` if it is an option of :data:`PARAMS`, else a ``ValueError`` naming the closest."""
    if not isinstance(name, str) or name not in PARAMS:
        close = difflib.get_close_matches(str(name), list(PARAMS), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{func}: unknown hyperparameter {name!r}{hint}; expected one of "
                         f"{list(PARAMS)}")
    return name


def check_value(func: str, name: str, value):
    """``value`` of option ``name`` in its canonical type (:func:`cnnlab.recipe.check_option`), or raise."""
    return check_option(func, check_key(func, name), value)


def parse_value(func: str, name: str, text: str):
    """Option ``name``'s value from its text (``"1e-3"``, ``"true"``, ``"none"``), checked."""
    return parse_option(func, check_key(func, name), text)


def full_config(func: str, base=None, point=None) -> dict:
    """:data:`SWEEP_DEFAULTS`, updated by ``base``, then by ``point``; every value checked.

    ``lr=None`` becomes the optimizer's default learning rate
    (:data:`cnnlab.recipe.DEFAULT_LR`), so a table shows the rate actually used.
    Keys come out in the order of :data:`PARAMS`.
    """
    config = dict(SWEEP_DEFAULTS)
    for part in (base or {}, point or {}):
        for name, value in part.items():
            config[name] = check_value(func, name, value)
    if config["lr"] is None:
        config["lr"] = float(DEFAULT_LR[config["optimizer"]])
    return {k: config[k] for k in PARAMS}
