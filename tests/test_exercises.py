"""The exercise checks: a right answer passes, a wrong one fails clearly, a stub is 'your turn'."""

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab.exercises import check_backward, check_same_function, check_value


def test_right_answers_print_correct(capsys):
    check_value(np.log(10), 2.302585092994046, what="the initial loss")
    check_same_function(lambda x: np.maximum(x, 0), lambda x: F.relu_forward(x)[0],
                        lambda rng: (rng.standard_normal((3, 4)),), what="relu")
    check_backward(F.tanh_forward, F.tanh_backward, dict(x=np.linspace(-1, 1, 6).reshape(2, 3)))
    out = capsys.readouterr().out
    assert out.count("correct:") == 3 and "gradient check: tanh_forward" in out


def test_wrong_answers_fail_with_what_differs():
    with pytest.raises(AssertionError, match=r"not yet: the initial loss: max abs difference 1.0e\+00"):
        check_value(3.302585092994046, 2.302585092994046, what="the initial loss")
    with pytest.raises(AssertionError, match="expected shape"):
        check_value(np.zeros(3), np.zeros(4))
    with pytest.raises(AssertionError, match="not yet: relu"):
        check_same_function(np.abs, lambda x: F.relu_forward(x)[0],
                            lambda rng: (rng.standard_normal(5),), what="relu")

    def sloppy_backward(dout, cache):  # forgets the chain rule
        return F.tanh_backward(np.ones_like(dout), cache)

    with pytest.raises(AssertionError, match="not yet: sloppy_backward"):
        check_backward(F.tanh_forward, sloppy_backward, dict(x=np.linspace(-1, 1, 6).reshape(2, 3)))


def test_unattempted_exercises_are_your_turn_not_errors(capsys):
    def my_backward(dout, cache):
        raise NotImplementedError("your turn")

    check_backward(F.tanh_forward, my_backward, dict(x=np.ones((2, 2))))
    check_same_function(my_backward, F.tanh_backward, lambda rng: (None, None))
    check_value(..., 1.0, what="the output size")
    assert capsys.readouterr().out.count("your turn") == 3
