"""Issue 17, the command line: every failure one line, exit status non-zero, the run folder untouched.

Each test first reproduced what the issue reports (a traceback after the
summaries for ``--out`` naming a file, a raw ``OSError`` for a full disk, a
resume into another network or with no epochs left that exits 0, options named
as Python names with exit 1, ``--no-progress`` sticking to later resumes,
"after 1 epochs"), then checks the fix.
"""

import errno
import json

import numpy as np
import pytest

from cnnlab.cli import main
from cnnlab.sweep.cli import main as sweep_main
from cnnlab.train import load_checkpoint

TINY = ["train", "--model", "mlp", "--dataset", "mnist-sample", "--n-train", "200", "--n-test", "100",
        "--batch-size", "50", "--optimizer", "sgd", "--lr", "0.05", "--seed", "3", "--no-progress"]


def one_line(text: str) -> str:
    """The text, checked to be one line and no traceback."""
    assert "Traceback" not in text and text.count("\n") == 1 and text.endswith("\n"), text
    return text


def exit_status(call) -> int:
    try:
        return call()
    except SystemExit as exc:
        return exc.code


def folder_bytes(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def run_folder(tmp_path):
    out = tmp_path / "run"
    assert main(TINY + ["--epochs", "1", "--out", str(out)]) == 0
    return out


# -- the run folder -------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_out_naming_a_file_is_refused_before_anything_is_loaded(tmp_path, capsys, monkeypatch, where):
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "notes.txt" if where == "a file" else tmp_path / "notes.txt" / "run"

    def no_loading(*args, **kwargs):
        raise AssertionError("loaded the data before checking --out")
    monkeypatch.setattr("cnnlab.recipe.run.load_data", no_loading)
    assert exit_status(lambda: main(TINY + ["--out", str(out)])) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and (tmp_path / "notes.txt").read_text() == "mine"
    assert one_line(captured.err) == {
        "a file": f"python -m cnnlab train: error: --out {out} is a file; expected a folder (a new "
                  f"one, or one holding a run)\n",
        "under a file": f"python -m cnnlab train: error: --out {out} is inside {tmp_path / 'notes.txt'}, "
                        f"which is a file; expected a folder (a new one, or one holding a run)\n"}[where]


def test_a_full_disk_is_one_line_and_the_previous_checkpoint_is_intact(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    savez, calls = np.savez, []

    def savez_until_the_disk_is_full(file, **arrays):
        calls.append(1)
        if len(calls) == 2:  # the checkpoint of epoch 2
            file.write(b"half a zip")
            raise OSError(errno.ENOSPC, "No space left on device")
        savez(file, **arrays)
    monkeypatch.setattr(np, "savez", savez_until_the_disk_is_full)
    assert main(TINY + ["--epochs", "3", "--out", str(out)]) == 1
    assert one_line(capsys.readouterr().err) == (
        f"python -m cnnlab train: DiskFullError: the disk is full (No space left on device) while "
        f"writing into {out}; {out / 'checkpoint.npz'}, from epoch 1, is intact: free some space, "
        f"then continue the run with --resume\n")
    assert load_checkpoint(out / "checkpoint.npz").epoch == 1
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz", "config.json"], "nothing half-written"


def test_a_run_that_diverges_is_one_line_exit_1(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--dataset", "mnist-sample", "--n-train", "128", "--n-test", "32", "--epochs", "1",
                 "--lr", "1e6", "--no-progress", "--out", str(out)]) == 1
    err = one_line(capsys.readouterr().err)  # no NumPy overflow warnings either
    assert err.startswith("python -m cnnlab train: DivergedError: fit: training diverged at step ")
    assert "the optimizer state exp_avg_sq." in err


# -- resume --------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_resume_from_a_damaged_checkpoint_is_one_line(run_folder, capsys, damage):
    checkpoint = run_folder / "checkpoint.npz"
    checkpoint.write_bytes(checkpoint.read_bytes()[:2000] if damage == "truncated" else b"")
    before = folder_bytes(run_folder)
    assert exit_status(lambda: main(["train", "--out", str(run_folder), "--resume", "--epochs", "2"])) == 2
    err = one_line(capsys.readouterr().err)
    assert err.startswith(f"python -m cnnlab train: error: --resume: {checkpoint} is damaged")
    assert folder_bytes(run_folder) == before


@pytest.mark.parametrize("edit, status, message", [
    ({"activation": "tanh"}, 2, "error: --resume: {folder}/config.json describes another network than "
                                "{folder}/checkpoint.npz holds (layer 3 is 'tanh1: Tanh()' here but "
                                "'relu1: ReLU()' in the checkpoint); put back the saved options, or train "
                                "afresh with --overwrite (nothing was changed)"),
    ({"model": "lenet5-classic"}, 2, "error: --resume: {folder}/config.json describes another network "
                                     "than {folder}/checkpoint.npz holds (the model is 'LeNet5' here but "
                                     "'MLP' in the checkpoint)"),
    ({"batch_size": 25}, 1, "ValueError: fit: cannot resume from {folder}/checkpoint.npz exactly: the "
                            "training setup differs (batch_size: saved 50, now 25)"),
])
def test_resume_after_config_json_was_edited_is_refused(run_folder, capsys, edit, status, message):
    config = run_folder / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), **edit}, indent=2))
    before = folder_bytes(run_folder)
    assert exit_status(lambda: main(["train", "--out", str(run_folder), "--resume", "--epochs", "2"])) == status
    captured = capsys.readouterr()
    assert captured.out == "", "no summaries before the refusal"
    assert message.format(folder=run_folder) in one_line(captured.err)
    assert folder_bytes(run_folder) == before, "the run is left as it was"


@pytest.mark.parametrize("epochs", [[], ["--epochs", "1"]])
def test_resume_with_no_epochs_left_says_so_and_changes_nothing(run_folder, capsys, epochs):
    before = folder_bytes(run_folder)
    assert exit_status(lambda: main(["train", "--out", str(run_folder), "--resume", *epochs])) == 2
    assert one_line(capsys.readouterr().err) == (
        f"python -m cnnlab train: error: --resume: the run in {run_folder} has done 1 epoch already and "
        f"--epochs is 1: nothing to train; pass --epochs 2 or more to continue it (nothing was changed)\n")
    assert folder_bytes(run_folder) == before


def test_progress_comes_from_each_command_line_and_epochs_are_counted_in_words(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(TINY + ["--epochs", "1", "--out", str(out)]) == 0
    assert "after 1 epoch\n" in capsys.readouterr().out
    assert main(["train", "--out", str(out), "--resume", "--epochs", "2"]) == 0
    printed = capsys.readouterr().out
    assert "optimizer: SGD(" in printed, "the resume shows its summaries: --no-progress was not given"
    assert "after 2 epochs\n" in printed


def test_a_config_json_edited_wrongly_is_one_line(run_folder, capsys):
    config = run_folder / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "dropout": 1.5}))
    assert exit_status(lambda: main(["train", "--out", str(run_folder), "--resume", "--epochs", "2"])) == 2
    assert one_line(capsys.readouterr().err) == (
        f"python -m cnnlab train: error: --resume: {config} cannot be read ({config}: expected "
        f"\"dropout\" in [0, 1), got 1.5); put back the saved options, or train afresh with --overwrite\n")


# -- bad options: one line naming the flag, exit 2 -------------------------------------------------

@pytest.mark.parametrize("main_, argv, message", [
    (main, ["--epochs", "-1"], "expected --epochs >= 1, got -1"),
    (main, ["--n-train", "0"], "expected --n-train >= 1, got 0"),
    (main, ["--n-train", "-5"], "expected --n-train >= 1, got -5"),
    (main, ["--val-size", "2.5"], "expected --val-size in (0, 1), got 2.5"),
    (main, ["--model", "resnet"], "argument --model: invalid choice: 'resnet' (choose from 'lenet5', "
                                  "'lenet5-classic', 'mlp')"),
    (main, ["--lr", "fast"], "argument --lr: invalid float value: 'fast'"),
    (sweep_main, ["--folds", "1"], "expected --folds >= 2, got 1"),
    (sweep_main, ["--random", "0"], "expected --random >= 1, got 0"),
    (sweep_main, ["--n-jobs", "0"], "expected --n-jobs >= 1, or -1 for one process per core (-2: all "
                                    "but one...), got 0"),
    (sweep_main, ["--eval-batch-size", "0"], "expected --eval-batch-size >= 1, got 0"),
    (sweep_main, ["--seed", "-1"], "expected --seed >= 0, got -1"),
    (sweep_main, ["--n-train", "0"], "expected --n-train >= 1, got 0"),
    (sweep_main, ["--folds", "x"], "argument --folds: invalid int value: 'x'"),
])
def test_every_bad_option_is_one_line_naming_it_exit_2(tmp_path, capsys, monkeypatch, main_, argv, message):
    def no_loading(*args, **kwargs):
        raise AssertionError("loaded the data before checking the options")
    monkeypatch.setattr("cnnlab.recipe.run.load_data", no_loading)
    monkeypatch.setattr("cnnlab.sweep.cli.load_data", no_loading)
    head = ["train", "--out", str(tmp_path / "run")] if main_ is main else ["--out", str(tmp_path / "sweep")]
    assert exit_status(lambda: main_(head + argv)) == 2
    prog = "python -m cnnlab train" if main_ is main else "python -m cnnlab.sweep"
    assert one_line(capsys.readouterr().err) == f"{prog}: error: {message}\n"


@pytest.mark.parametrize("main_, argv, message", [
    (main, ["--val-size", "5000"], "--val-size 5000 leaves no training examples (4000 available)"),
    (main, ["--n-test", "5000"], "--n-test 5000 is more than the 1000 test examples available"),
    (sweep_main, ["--n-train", "20000"], "--n-train 20000 is more than the 4000 training examples available"),
    (sweep_main, ["--n-train", "200", "--folds", "300"], "--folds 300 folds need at least 300 examples, got 200"),
])
def test_a_count_the_data_cannot_give_is_one_line_naming_it_exit_2(tmp_path, capsys, main_, argv, message):
    head = ["--dataset", "mnist-sample", "--out", str(tmp_path / "out")]
    assert exit_status(lambda: main_((["train"] if main_ is main else []) + head + argv)) == 2
    prog = "python -m cnnlab train" if main_ is main else "python -m cnnlab.sweep"
    assert one_line(capsys.readouterr().err) == f"{prog}: error: {message}\n"
    assert not (tmp_path / "out").exists()


def test_counts_are_said_in_words_singular_for_one():
    from cnnlab._options import plural
    from cnnlab.sweep import GridSpace
    from cnnlab.train import History
    assert (plural(1, "epoch"), plural(0, "epoch"), plural(1234, "step")) == ("1 epoch", "0 epochs", "1,234 steps")
    assert repr(GridSpace({"lr": [0.1]})).endswith("# 1 configuration")
    history = History()
    history.log_step(step=1, epoch=1.0, loss=2.3, acc=0.1, lr=0.01)
    history.log_epoch(epoch=1, train_loss=2.3)
    assert repr(history).startswith("History(1 epoch, 1 step; ")


def test_an_interrupted_run_is_one_line_exit_130(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("cnnlab.train.fit", interrupted)
    assert main(TINY + ["--out", str(tmp_path / "run")]) == 130
    assert one_line(capsys.readouterr().err) == (
        "python -m cnnlab train: interrupted; the run folder's checkpoint keeps the last epoch it "
        "saved: continue with --resume\n")
