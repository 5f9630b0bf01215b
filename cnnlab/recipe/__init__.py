"""The recipe of a training run: its options declared once, what they build, and the run itself.

* :mod:`~cnnlab.recipe.options`: :data:`OPTIONS`, every option of a run
  (model, activation, pooling, batch norm, dropout, optimizer, schedule, data,
  augmentation...) with its type, default, bounds and help; the checks;
* :mod:`~cnnlab.recipe.build`: :func:`build_model`, :func:`build_optimizer`,
  :func:`build_schedule`, :func:`load_data` from a recipe;
* :mod:`~cnnlab.recipe.arguments`: the command-line flags derived from the
  declaration (``python -m cnnlab train`` and ``python -m cnnlab.sweep``);
* :mod:`~cnnlab.recipe.run`: :func:`train_run`, a whole run into a run folder.

>>> from cnnlab.recipe import DEFAULTS, build_model, build_optimizer
>>> config = {**DEFAULTS, "model": "mlp", "optimizer": "sgd", "lr": 0.05}
>>> model = build_model(config, np.random.default_rng(0))                 # doctest: +SKIP
>>> optimizer = build_optimizer(config, model)                              # doctest: +SKIP
"""

from .arguments import ArgumentParser, add_options, given_options
from .build import build_model, build_optimizer, build_schedule, load_data
from .options import (DEFAULT_LR, DEFAULTS, OPTIONS, SEARCHABLE, Option, RecipeError, canonical_json,
                      check_option, format_option, parse_option)
from .run import FILES, RESUMABLE, train_run

__all__ = ["OPTIONS", "DEFAULTS", "SEARCHABLE", "DEFAULT_LR", "Option", "RecipeError", "check_option",
           "parse_option", "format_option", "canonical_json", "build_model", "build_optimizer",
           "build_schedule", "load_data", "ArgumentParser", "add_options", "given_options", "train_run",
           "FILES", "RESUMABLE"]
