"""Notebook 09's reports (cnnlab.course.yours): sentences computed from the numbers."""

from types import SimpleNamespace

import numpy as np

from cnnlab.course.yours import Yours, compare_runs, functions_used, listed
from cnnlab.i18n import using_language
from cnnlab.models import LeNet5


def test_the_functions_lenet5_calls_are_read_off_the_network():
    used = functions_used(LeNet5(rng=np.random.default_rng(0), fast=False))
    assert used[:2] == ["conv2d_forward", "conv2d_backward"]
    assert {"relu_forward", "max_pool_backward", "flatten_forward", "linear_backward",
            "softmax_cross_entropy_forward"} <= set(used)
    assert "batchnorm_forward" not in used and len(used) == len(set(used))


def test_which_are_yours_is_told_by_name(capsys):
    report = {"conv2d_forward": "yours", "relu_forward": "library (not written yet)",
              "sigmoid_forward": "library (yours does not pass its check: ...)"}
    mine = Yours(report, LeNet5(rng=np.random.default_rng(0), fast=False))
    mine.describe()
    out = capsys.readouterr().out
    assert "Yours, passing their checks: 1 of 3 functions: conv2d_forward." in out
    assert "not written yet: relu_forward;" in out and "check yet: sigmoid_forward." in out
    assert mine.used_mine == ["conv2d_forward"] and mine.whose("relu_forward") == "library"
    assert listed(["a", "b", "c"]) == "a, b and c" and listed([]) == "none"
    with using_language("zh_CN"):
        assert listed(["a", "b"]) == "a 和 b"


def _run(seed, loss=(1.0, 0.5), acc=0.9):
    net = LeNet5(rng=np.random.default_rng(seed), fast=False)
    history = SimpleNamespace(epochs={"train_loss": list(loss)}, num_steps=40,
                              last=lambda key: acc)
    return net, history, 1.0


def test_the_comparison_says_what_the_numbers_show(capsys):
    runs = {"library": _run(0), "yours": _run(0), "fast path": _run(0, loss=(1.0, 0.5 + 1e-7))}
    diff = compare_runs(runs, used_mine=["conv2d_forward"])
    out = capsys.readouterr().out
    assert diff["yours"]["weights"] == 0
    assert "Your function trained exactly the same network as the library's" in out
    assert "The fast path agrees closely: its test accuracy equals the reference layers'" in out
    runs["yours"] = _run(1, acc=0.5)        # other weights, another accuracy
    compare_runs(runs, used_mine=["conv2d_forward", "relu_forward"])
    out = capsys.readouterr().out
    assert "Your network ended further from the library's than rounding takes it" in out
    assert "40.00 percentage points apart" in out
