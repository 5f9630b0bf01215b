"""The recipe: every option declared once, and both command lines and the sweep derived from it."""

import argparse
import ast
from pathlib import Path

import numpy as np
import pytest

from cnnlab.cli import build_parser
from cnnlab.cli import main as train_main
from cnnlab.layers import AvgPool2d
from cnnlab.recipe import (DEFAULTS, OPTIONS, SEARCHABLE, RecipeError, build_model, build_optimizer,
                           check_option, format_option, parse_option)
from cnnlab.sweep import PARAMS, SWEEP_DEFAULTS
from cnnlab.sweep.cli import DATA_OPTIONS
from cnnlab.sweep.cli import build_parser as build_sweep_parser
from cnnlab.sweep.cli import main as sweep_main

PACKAGE = Path(__file__).resolve().parents[1] / "cnnlab"


def _actions(parser):
    return {a.option_strings[0]: a for a in parser._actions if a.option_strings}


def test_both_command_lines_and_the_sweep_space_come_from_the_declaration():
    train = _actions(build_parser()._subparsers._group_actions[0].choices["train"])
    sweep = _actions(build_sweep_parser())
    for name, option in OPTIONS.items():
        action = train[option.flag]
        assert option.help in action.help and action.default is argparse.SUPPRESS, name
        assert action.choices is None or set(option.choices) <= set(action.choices), name
        if option.searchable or name in DATA_OPTIONS:
            assert sweep[option.flag].help == action.help, name
    assert list(PARAMS) == list(SEARCHABLE) and PARAMS["dropout"] is OPTIONS["dropout"]
    assert SWEEP_DEFAULTS == {name: DEFAULTS[name] for name in SEARCHABLE}
    assert "pooling" in OPTIONS and "pooling" not in PARAMS, "a new option leaves sweeps' seeds alone"


def test_one_check_per_option_names_it_as_typed(capsys, tmp_path):
    assert check_option("f", "dropout", 0) == 0.0 and isinstance(check_option("f", "dropout", 0), float)
    assert check_option("f", "lr", None) is None and check_option("f", "val_size", 0.1) == 0.1
    with pytest.raises(ValueError, match=r"^f: expected dropout in \[0, 1\), got 1.0$"):
        check_option("f", "dropout", 1.0)
    with pytest.raises(TypeError, match=r"^f: expected epochs to be an int, got 2.5 \(float\)$"):
        check_option("f", "epochs", 2.5)
    with pytest.raises(ValueError, match=r"^f: unknown optimizer 'adamw'; expected one of"):
        check_option("f", "optimizer", "adamw")
    for name, text in (("lr", "0.003"), ("activation", "none"), ("batchnorm", "true"), ("epochs", "3")):
        assert format_option(parse_option("f", name, text)) == ("" if text == "none" else text)
    for main, argv in ((train_main, ["train", "--dropout", "1.5", "--out", str(tmp_path / "a")]),
                       (sweep_main, ["--dropout", "1.5", "--out", str(tmp_path / "b")])):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "error: expected --dropout in [0, 1), got 1.5" in capsys.readouterr().err


def test_options_that_do_not_fit_together_are_a_recipe_error():
    rng = np.random.default_rng(0)
    with pytest.raises(RecipeError, match="--pooling applies to lenet5 and lenet5-classic, not mlp"):
        build_model({**DEFAULTS, "model": "mlp", "pooling": "avg"}, rng)
    assert isinstance(build_model({**DEFAULTS, "pooling": "avg"}, rng)["pool1"], AvgPool2d)
    model = build_model({**DEFAULTS, "model": "mlp"}, rng)
    with pytest.raises(RecipeError, match="--momentum does not apply to adam"):
        build_optimizer({**DEFAULTS, "lr": 1e-3, "momentum": 0.9}, model)


def test_no_module_of_the_library_imports_the_command_line():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "__main__.py" and path.parent == PACKAGE:
            continue  # python -m cnnlab is the command line
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = ("." * node.level) + (node.module or "")
                assert module not in ("..cli", "cnnlab.cli") and not (
                    path.parent == PACKAGE and module == ".cli"), path
