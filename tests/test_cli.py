"""``python -m cnnlab train``: help, a tiny run with every output, resume, and errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from cnnlab.cli import build_parser, main
from cnnlab.recipe import DEFAULTS, FILES, build_model
from cnnlab.train import History, load_checkpoint

TINY = ["train", "--model", "mlp", "--dataset", "mnist-sample", "--n-train", "300", "--n-test", "200",
        "--val-size", "100", "--batch-size", "50", "--optimizer", "sgd", "--lr", "0.05",
        "--momentum", "0.9", "--schedule", "exponential", "--seed", "3", "--no-progress"]


@pytest.mark.processes
def test_help_documents_every_option():
    result = subprocess.run([sys.executable, "-m", "cnnlab", "train", "--help"], capture_output=True,
                            text=True, check=True)
    text = result.stdout
    for option in DEFAULTS:
        assert f"--{option.replace('_', '-')}" in text, option
    for flag in ("--resume", "--overwrite", "--no-fast", "lenet5-classic", "fashion-mnist",
                 "mnist-sample", "rmsprop", "cosine"):
        assert flag in text
    for action in build_parser()._subparsers._group_actions[0].choices["train"]._actions:
        assert action.help, f"{action.dest} has no help"


@pytest.mark.slow
def test_tiny_run_writes_every_output_and_resumes(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(TINY + ["--epochs", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy: " in printed and "(200 examples)" not in printed
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    results = json.loads((out / "results.json").read_text())
    assert f"test accuracy: {100 * results['test_acc']:.2f}%" in printed
    assert results["epochs"] == 2 and results["n_test"] == 200 and len(results["per_class_acc"]) == 10
    assert results["test_acc"] > 0.6
    history = History.from_json((out / "history.json").read_text())
    assert history.num_epochs == 2 and history.last("val_acc") is not None
    assert (out / "history.csv").read_text().count("\n") == 3
    assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "confusion_matrix.png").read_bytes()[:4] == b"\x89PNG"
    config = json.loads((out / "config.json").read_text())
    assert config["optimizer"] == "sgd" and config["momentum"] == 0.9 and config["epochs"] == 2

    # --resume continues with the saved options to 3 epochs ...
    assert main(["train", "--out", str(out), "--resume", "--epochs", "3", "--no-progress"]) == 0
    resumed = load_checkpoint(out / "checkpoint.npz")
    assert resumed.epoch == 3 and resumed.history.num_epochs == 3
    # ... and ends where a straight 3-epoch run ends, bit for bit
    straight = tmp_path / "straight"
    assert main(TINY + ["--epochs", "3", "--out", str(straight)]) == 0
    reference = load_checkpoint(straight / "checkpoint.npz")
    for name, value in reference.model.items():
        assert np.array_equal(value, resumed.model[name]), name


def test_cli_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--model", "resnet"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --model: invalid choice: 'resnet' (choose from" in err and "lenet5-classic" in err
    with pytest.raises(SystemExit):
        main(["train", "--dataset", "cifar10"])
    assert "invalid choice: 'cifar10'" in capsys.readouterr().err

    out = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        main(["train", "--out", str(out), "--resume"])
    assert info.value.code == 2 and "holds no run to continue" in capsys.readouterr().err

    assert main(TINY + ["--epochs", "1", "--out", str(out)]) == 0
    with pytest.raises(SystemExit):
        main(TINY + ["--epochs", "1", "--out", str(out)])
    assert "already holds a run (checkpoint.npz); pass --resume" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--out", str(out), "--resume", "--lr", "0.1"])
    assert "these differ: --lr (saved 0.05, given 0.1)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(TINY + ["--optimizer", "adam", "--nesterov", "--out", str(tmp_path / "x")])
    assert "--nesterov applies to sgd only" in capsys.readouterr().err
    assert main(TINY + ["--early-stopping", "2", "--val-size", "0", "--out", str(tmp_path / "y")]) == 1
    assert "early stopping monitors 'val_loss' but the data has no val split" in capsys.readouterr().err


@pytest.mark.slow
def test_lenet5_cli_run_with_fast_flag(tmp_path, capsys):
    out = tmp_path / "lenet"
    assert main(["train", "--model", "lenet5", "--dataset", "mnist-sample", "--n-train", "128",
                 "--n-test", "64", "--epochs", "1", "--batch-size", "32", "--fast", "--batchnorm",
                 "--augment-shift", "2", "--no-progress", "--out", str(out)]) == 0
    assert "test accuracy:" in capsys.readouterr().out
    assert "model/bn1.running_var" in {f"model/{k}" for k in load_checkpoint(out / "checkpoint.npz").model}


def test_lenet5_trains_on_the_fast_path_unless_told_not_to():
    rng = np.random.default_rng(0)
    assert build_model({**DEFAULTS, "model": "lenet5"}, rng).config["fast"] is True
    assert build_model({**DEFAULTS, "model": "lenet5", "fast": False}, rng).config["fast"] is False


def test_a_negative_shift_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(TINY + ["--augment-shift", "-1", "--out", str(tmp_path / "neg")])
    assert "expected --augment-shift >= 0, got -1" in capsys.readouterr().err


def test_activation_overrides_the_models_own():
    rng = np.random.default_rng(0)
    lenet = build_model({**DEFAULTS, "model": "lenet5", "activation": "tanh"}, rng)
    assert [name for name, _ in lenet.layers][1] == "tanh1"
    mlp = build_model({**DEFAULTS, "model": "mlp", "activation": "sigmoid"}, rng)
    assert any(name.startswith("sigmoid") for name, _ in mlp.layers)
