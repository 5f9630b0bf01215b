"""Course mode's core: the binding idiom (cnnlab.ops), the student's file, the checker, questions."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab import ops
from cnnlab.course import answers, catalog, checker, student
from cnnlab.course.catalog import Case, Exercise, Mistake
from cnnlab.exercises import check_same_function, check_value
from cnnlab.layers import Conv2d, Linear, MaxPool2d, ReLU, SoftmaxCrossEntropyLoss
from cnnlab.models import LeNet5


@pytest.fixture(autouse=True)
def library_functions():
    ops.reset()
    yield
    ops.reset()


@pytest.fixture
def my_file(tmp_path, monkeypatch):
    path = tmp_path / "my_layers.py"
    monkeypatch.setenv("CNNLAB_MY_LAYERS", str(path))
    return path


# -- cnnlab.ops -------------------------------------------------------------------------------
def test_every_layer_names_a_function_in_ops():
    rng = np.random.default_rng(0)
    for layer in (Conv2d(1, 2, 3, rng=rng), Linear(3, 2, rng=rng), MaxPool2d(2), ReLU(),
                  SoftmaxCrossEntropyLoss()):
        assert layer.forward_op in ops.NAMES and layer.backward_op in ops.NAMES


def test_use_replaces_a_function_inside_layers_and_models_then_reset_restores():
    calls = []

    def relu_forward(x):
        calls.append(x.shape)
        return F.relu_forward(x)

    rng = np.random.default_rng(0)
    model = LeNet5(rng=rng, fast=False)
    x = rng.standard_normal((2, 1, 28, 28)).astype(np.float32)
    expected = model.forward(x)
    ops.use(relu_forward=relu_forward)
    np.testing.assert_array_equal(model.forward(x), expected)
    assert len(calls) == 4  # relu1 ... relu4
    ops.reset()
    model.forward(x)
    assert len(calls) == 4


def test_use_as_a_context_manager_lasts_for_the_block():
    mine = lambda x: F.relu_forward(x)  # noqa: E731
    with ops.use(relu_forward=mine):
        assert ops.get("relu_forward") is mine
        assert ops.describe("relu_forward") != "library"
    assert ops.get("relu_forward") is F.relu_forward
    assert ops.describe("relu_forward") == "library"


def test_naive_layers_take_the_naive_library_function_and_any_replacement():
    assert ops.get("conv2d_forward", naive=True) is F.conv2d_forward_naive
    mine = lambda *a, **k: F.conv2d_forward(*a, **k)  # noqa: E731
    ops.use(conv2d_forward=mine)
    assert ops.get("conv2d_forward", naive=True) is mine
    assert ops.library("conv2d_forward") is F.conv2d_forward


def test_use_rejects_unknown_names_and_non_functions():
    with pytest.raises(KeyError, match="no function named 'conv_forward'"):
        ops.use(conv_forward=print)
    with pytest.raises(TypeError, match="expected relu_forward to be a function"):
        ops.use(relu_forward=3)
    assert ops.replaced() == {}


# -- the checker ------------------------------------------------------------------------------
def _linear_cases(rng):
    return [Case("batch of one", (rng.standard_normal((1, 4)), rng.standard_normal((4, 3)),
                                  rng.standard_normal(3))),
            Case("images", (rng.standard_normal((5, 2, 3)), rng.standard_normal((6, 2)),
                            rng.standard_normal(2)))]


def _db_mean(dout, cache):
    g = F.linear_backward(dout, cache)
    return F.LinearGrads(g.dx, g.dw, dout.mean(axis=0))


LINEAR_BACKWARD = Exercise("linear_backward", "01", "linear backward", "backward", F.linear_backward,
                           _linear_cases, forward=F.linear_forward, op="linear_backward",
                           mistakes=(Mistake("db-mean", "db averaged, not summed", _db_mean),))
LINEAR_FORWARD = Exercise("linear_forward", "01", "linear forward", "forward", F.linear_forward,
                          _linear_cases, backward=F.linear_backward, op="linear_forward")


def test_the_reference_passes_with_a_gradient_check():
    result = checker.run_check(LINEAR_BACKWARD, F.linear_backward)
    assert result.passed and "gradient check" in result.message
    assert result.points == result.max_points == 2


def test_a_catalogued_mistake_is_diagnosed_by_name():
    result = checker.run_check(LINEAR_BACKWARD, _db_mean)
    assert result.status == "failed" and result.mistake == "db-mean"
    assert "averaged" in result.diagnosis and result.points == 0


@pytest.mark.parametrize("bad, message", [
    (lambda d, c: F.LinearGrads(*(g * np.nan for g in F.linear_backward(d, c))), "contains NaN"),
    (lambda d, c: F.LinearGrads(*(g + np.inf for g in F.linear_backward(d, c))), "contains inf"),
    (lambda d, c: tuple(F.linear_backward(d, c)), "should be LinearGrads(dx, dw, db)"),
    (lambda d, c: F.LinearGrads(F.linear_backward(d, c).dx, F.linear_backward(d, c).dw.T,
                                F.linear_backward(d, c).db), "dw has shape"),
    (lambda d, c: F.LinearGrads(*F.linear_backward(d, c)[:2], [1.0]), "db should be a numpy array"),
])
def test_wrong_answers_fail_with_what_was_expected(bad, message):
    result = checker.run_check(LINEAR_BACKWARD, bad)
    assert result.status == "failed" and message in result.message


def test_a_constant_factor_is_named_when_no_mistake_matches():
    def half_dw(dout, cache):
        g = F.linear_backward(dout, cache)
        return F.LinearGrads(g.dx, g.dw / 2, g.db)

    result = checker.run_check(LINEAR_BACKWARD, half_dw)
    assert "constant factor of 0.5" in result.diagnosis


def test_a_verdict_never_shows_the_expected_values():
    rng = checker.seeded_rng("linear_backward")
    case = _linear_cases(rng)[1]
    out, cache = F.linear_forward(*case.args)
    result = checker.run_check(LINEAR_BACKWARD, _db_mean)
    for value in np.concatenate([np.ravel(a) for a in F.linear_backward(np.ones_like(out), cache)]):
        assert f"{value:.3f}" not in result.line()


def test_mutating_dout_fails():
    def in_place(dout, cache):
        dout *= 2.0
        return F.linear_backward(dout / 2.0, cache)

    assert "modified its upstream gradient" in checker.run_check(LINEAR_BACKWARD, in_place).message


def test_a_forward_must_return_the_librarys_cache():
    def own_cache(x, w, b=None):
        return F.linear_forward(x, w, b)[0], {"x": x}

    result = checker.run_check(LINEAR_FORWARD, own_cache)
    assert result.status == "failed" and "cannot use your cache" in result.message
    assert checker.run_check(LINEAR_FORWARD, F.linear_forward).passed


def test_unattempted_and_missing_answers():
    def stub(dout, cache):
        raise NotImplementedError

    assert checker.run_check(LINEAR_BACKWARD, stub).status == "not attempted"
    assert checker.run_check(LINEAR_BACKWARD, None).status == "not attempted"
    assert checker.run_check(LINEAR_BACKWARD, 3).status == "failed"


def test_grading_seeds_give_fresh_but_reproducible_cases():
    a, b = checker.seeded_rng("x", 1).random(), checker.seeded_rng("x", 2).random()
    assert a != b and a == checker.seeded_rng("x", 1).random()
    assert checker.seeded_rng("x").random() == checker.seeded_rng("x").random()


def test_not_yet_renders_as_one_line_in_jupyter():
    error = checker.NotYet("not yet: f: wrong")
    assert error._render_traceback_() == ["not yet: f: wrong"]


# -- cnnlab.exercises: NaN is never a perfect match -------------------------------------------
def test_check_same_function_fails_a_nan_answer():
    make_args = lambda rng: (rng.standard_normal(4),)  # noqa: E731
    with pytest.raises(AssertionError, match="contains NaN"):
        check_same_function(lambda x: x * np.nan, lambda x: x, make_args)
    with pytest.raises(AssertionError, match="contains inf"):
        check_same_function(lambda x: x + np.inf, lambda x: x, make_args)
    with pytest.raises(AssertionError, match="expected a number or an array"):
        check_same_function(lambda x: "text", lambda x: x, make_args)
    with pytest.raises(AssertionError, match="contains NaN"):
        check_value(float("nan"), 1.0)


# -- questions --------------------------------------------------------------------------------
def test_a_question_stores_a_digest_and_checks_without_revealing(monkeypatch):
    q = answers.Question("q99_size", "99", "number", "the size", answers.digest("number", 14), hint="count again")
    monkeypatch.setitem(answers.QUESTIONS, q.id, q)
    assert answers.check_answer(q.id, 14.0).passed
    assert answers.check_answer(q.id, 14.0004).passed  # 3 significant figures
    wrong = answers.check_answer(q.id, 15)
    assert wrong.status == "failed" and "14" not in wrong.line() and wrong.diagnosis == "count again"
    assert answers.check_answer(q.id, ...).status == "not attempted"
    assert "expected a number" in answers.check_answer(q.id, "14").message


def test_a_choice_question_names_the_valid_choices(monkeypatch):
    q = answers.Question("q99_why", "99", "choice", "why", answers.digest("choice", "b"), choices=("a", "b", "c"))
    monkeypatch.setitem(answers.QUESTIONS, q.id, q)
    assert answers.check_answer(q.id, " B ").passed
    assert "expected one of 'a', 'b', 'c'" in answers.check_answer(q.id, "e").message


# -- the student's file ------------------------------------------------------------------------
@pytest.fixture
def two_exercises(monkeypatch):
    monkeypatch.setitem(catalog.EXERCISES, "linear_backward", LINEAR_BACKWARD)
    monkeypatch.setitem(catalog.EXERCISES, "linear_forward", LINEAR_FORWARD)
    monkeypatch.setattr(student, "all_exercises", lambda: [LINEAR_FORWARD, LINEAR_BACKWARD])
    monkeypatch.setattr(catalog, "_load_specs", lambda: None)


def test_exercise_saves_a_written_function_and_not_a_stub(my_file, two_exercises):
    @student.exercise("linear_backward")
    def linear_backward(dout, cache):
        """Not yet."""
        raise NotImplementedError("your turn")

    assert not my_file.exists()
    x, w = np.ones((2, 3)), np.ones((3, 2))
    _, cache = F.linear_forward(x, w)
    assert linear_backward(np.ones((2, 2)), cache).dw.shape == (3, 2)  # falls back to the library

    @student.exercise("linear_backward")
    def linear_backward(dout, cache):  # noqa: F811
        """Mine."""
        return F.linear_backward(dout, cache)  # a comment that is kept

    text = my_file.read_text()
    assert "# --- exercise: linear_backward ---" in text and "a comment that is kept" in text
    assert "@student.exercise" not in text and text.count("def linear_backward") == 1
    assert linear_backward.__exercise_id__ == "linear_backward"


def test_exercise_insists_on_the_exercise_name(two_exercises):
    with pytest.raises(NameError, match="name the function linear_backward"):
        @student.exercise("linear_backward")
        def my_backward(dout, cache):
            return F.linear_backward(dout, cache)


def test_use_my_layers_binds_passing_functions_and_names_the_rest(my_file, two_exercises, capsys):
    student.save_function("linear_backward", "def linear_backward(dout, cache):\n"
                                             "    return linear_backward_library(dout, cache)\n")
    my_file.write_text(my_file.read_text() + "\nfrom cnnlab.functional import linear_backward as "
                       "linear_backward_library\n")
    student.save_function("linear_forward", "def linear_forward(x, w, b=None):\n"
                                            "    return np.zeros(1), None\n")
    report = student.use_my_layers()
    assert report["linear_backward"] == "yours"
    assert report["linear_forward"].startswith("library (yours does not pass its check yet")
    assert ops.describe("linear_backward") == str(my_file)
    assert ops.describe("linear_forward") == "library"
    assert "linear_forward" in capsys.readouterr().out
    assert "linear_backward_library" in my_file.read_text()  # what is outside the blocks stays


def test_use_my_layers_without_a_file_or_with_a_broken_one(my_file, two_exercises, capsys):
    assert set(student.use_my_layers().values()) == {"library (not written yet)"}
    my_file.write_text("def linear_forward(:\n")
    assert set(student.use_my_layers().values()) == {"library (not written yet)"}
    assert "could not be imported (SyntaxError" in capsys.readouterr().out
    assert ops.replaced() == {}
