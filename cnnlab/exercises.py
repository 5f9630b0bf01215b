"""Checks for the "your turn" exercises of the notebooks.

An exercise asks the reader to write a function (a backward pass, say) or to
compute a number. These checks compare the answer with cnnlab's own
implementation and with central differences, print a one-line verdict, and
raise an ``AssertionError`` that says what differs, so a notebook cell stops
where the answer is wrong.

An exercise not attempted yet (a stub that raises ``NotImplementedError``, or
an answer left as ``...`` or ``None``) is not an error: the check says so and
returns, so a notebook still runs top to bottom.
"""

from __future__ import annotations

import functools

import numpy as np

from .gradcheck import check_function, rel_error


def _verdict(ok: bool, what: str, detail: str) -> None:
    if not ok:
        raise AssertionError(f"not yet: {what}: {detail}")
    print(f"correct: {what} ({detail})")


def _as_numbers(answer, what: str) -> np.ndarray:
    """The answer as a float64 array, or a clear failure if it is not numbers."""
    try:
        values = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"not yet: {what}: expected a number or an array of numbers, "
                             f"got {type(answer).__name__}") from None
    return values


def _require_finite(answer: np.ndarray, expected, what: str) -> None:
    """NaN or inf where the expected value is finite fails (NaN would compare as no difference)."""
    bad = ~np.isfinite(answer) & np.isfinite(np.asarray(expected, dtype=np.float64))
    if bad.any():
        kind = "NaN" if np.isnan(answer[bad]).any() else "inf"
        raise AssertionError(f"not yet: {what}: the answer contains {kind} "
                             f"({int(bad.sum())} of {answer.size} values)")


def _your_turn(what: str) -> None:
    print(f"your turn: {what} is not written yet; fill it in above and run this cell again")


def _allow_unattempted(check):
    """Turn a ``NotImplementedError`` raised by the reader's stub into a friendly note."""

    @functools.wraps(check)
    def wrapper(answer, *args, **kwargs):
        what = kwargs.get("what") or getattr(answer, "__name__", "your answer")
        try:
            return check(answer, *args, **kwargs)
        except NotImplementedError:
            _your_turn(what)

    return wrapper


@_allow_unattempted
def check_value(answer, expected, what="your answer", *, rtol=1e-6, atol=1e-12) -> None:
    """Compare a number or an array with the expected one.

    Parameters
    ----------
    answer, expected : float or array_like
        ``answer`` may also be a function of no arguments that computes it, so
        that a stub raising ``NotImplementedError`` counts as not attempted.
    what : str
        How to name the answer in the verdict.
    rtol, atol : float
        Tolerances, as in ``numpy.allclose``.
    """
    if callable(answer):
        answer = answer()
    if answer is None or answer is Ellipsis:
        _your_turn(what)
        return
    answer, expected = _as_numbers(answer, what), np.asarray(expected, dtype=np.float64)
    if answer.shape != expected.shape:
        raise AssertionError(f"not yet: {what}: expected shape {expected.shape}, got {answer.shape}")
    _require_finite(answer, expected, what)
    ok = bool(np.allclose(answer, expected, rtol=rtol, atol=atol))
    _verdict(ok, what, f"max abs difference {np.max(np.abs(answer - expected), initial=0.0):.1e}")


@_allow_unattempted
def check_same_function(answer, reference, make_args, *, trials=5, rng=None, atol=1e-10,
                        what=None) -> None:
    """Check that ``answer(*args)`` equals ``reference(*args)`` on random arguments.

    Parameters
    ----------
    answer, reference : callable
        Return an array, or a tuple/named tuple of arrays (compared entry by entry;
        the reference's ``None`` entries are skipped).
    make_args : callable
        ``make_args(rng) -> tuple`` of arguments for one trial.
    trials : int
    rng : numpy.random.Generator, default ``np.random.default_rng(0)``
    atol : float
    """
    rng = np.random.default_rng(0) if rng is None else rng
    what = what or getattr(answer, "__name__", "your function")
    worst = 0.0
    for trial in range(trials):
        args = make_args(rng)
        got, want = answer(*args), reference(*args)
        got_parts = got if isinstance(got, tuple) else (got,)
        want_parts = want if isinstance(want, tuple) else (want,)
        if len(got_parts) != len(want_parts):
            raise AssertionError(f"not yet: {what}: returned {len(got_parts)} values, "
                                 f"expected {len(want_parts)}")
        for index, (g, w) in enumerate(zip(got_parts, want_parts)):
            if w is None:
                continue
            g, w = _as_numbers(g, f"{what}: value {index}"), np.asarray(w)
            if g.shape != w.shape:
                raise AssertionError(f"not yet: {what}: value {index} has shape {g.shape}, "
                                     f"expected {w.shape} (trial {trial})")
            _require_finite(g, w, f"{what}: value {index} (trial {trial})")
            worst = max(worst, float(np.max(np.abs(g - w), initial=0.0)))
    _verdict(worst <= atol, what, f"{trials} random trials, max abs difference {worst:.1e}")


def check_backward(forward, answer_backward, inputs, hyper=None, *, threshold=1e-7, **options) -> None:
    """Check a hand-written backward pass against central differences.

    Runs :func:`cnnlab.gradcheck.check_function` (float64 inputs, random
    upstream gradient) and prints its report with the verdict.
    """
    try:
        report = check_function(forward, answer_backward, inputs, hyper, threshold=threshold, **options)
    except NotImplementedError:
        _your_turn(getattr(answer_backward, "__name__", "your backward"))
        return
    print(report)
    _verdict(report.passed, getattr(answer_backward, "__name__", "your backward"),
             f"max relative error {report.max_rel_error:.1e} against threshold {threshold:.0e}")


__all__ = ["check_backward", "check_same_function", "check_value", "rel_error"]
