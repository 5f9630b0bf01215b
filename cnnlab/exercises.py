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
from .i18n import N_, _

#: How a verdict names an answer given no ``what`` and no name (translated when shown).
YOUR_ANSWER, YOUR_FUNCTION, YOUR_BACKWARD = N_("your answer"), N_("your function"), N_("your backward")


def _not_yet(what: str, detail: str) -> AssertionError:
    """The failure a check raises: ``not yet: <what>: <detail>``, in the course's language."""
    return AssertionError(_("not yet: {what}: {detail}").format(what=_(what), detail=detail))


def _verdict(ok: bool, what: str, detail: str) -> None:
    if not ok:
        raise _not_yet(what, detail)
    print(_("correct: {what} ({detail})").format(what=_(what), detail=detail))


def _as_numbers(answer, what: str) -> np.ndarray:
    """The answer as a float64 array, or a clear failure if it is not numbers."""
    try:
        values = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        raise _not_yet(what, _("expected a number or an array of numbers, got {type}").format(
            type=type(answer).__name__)) from None
    return values


def _require_finite(answer: np.ndarray, expected, what: str) -> None:
    """NaN or inf where the expected value is finite fails (NaN would compare as no difference)."""
    bad = ~np.isfinite(answer) & np.isfinite(np.asarray(expected, dtype=np.float64))
    if bad.any():
        kind = "NaN" if np.isnan(answer[bad]).any() else "inf"
        raise _not_yet(what, _("the answer contains {kind} ({count} of {size} values)").format(
            kind=kind, count=int(bad.sum()), size=answer.size))


def _your_turn(what: str) -> None:
    print(_("your turn: {what} is not written yet; fill it in above and run this cell again").format(
        what=_(what)))


def _allow_unattempted(check):
    """Turn a ``NotImplementedError`` raised by the reader's stub into a friendly note."""

    @functools.wraps(check)
    def wrapper(answer, *args, **kwargs):
        what = kwargs.get("what") or getattr(answer, "__name__", YOUR_ANSWER)
        try:
            return check(answer, *args, **kwargs)
        except NotImplementedError:
            _your_turn(what)

    return wrapper


@_allow_unattempted
def check_value(answer, expected, what=YOUR_ANSWER, *, rtol=1e-6, atol=1e-12) -> None:
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
        raise _not_yet(what, _("expected shape {expected}, got {shape}").format(
            expected=expected.shape, shape=answer.shape))
    _require_finite(answer, expected, what)
    ok = bool(np.allclose(answer, expected, rtol=rtol, atol=atol))
    _verdict(ok, what, _("max abs difference {difference:.1e}").format(
        difference=np.max(np.abs(answer - expected), initial=0.0)))


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
    what = what or getattr(answer, "__name__", YOUR_FUNCTION)
    worst = 0.0
    for trial in range(trials):
        args = make_args(rng)
        got, want = answer(*args), reference(*args)
        got_parts = got if isinstance(got, tuple) else (got,)
        want_parts = want if isinstance(want, tuple) else (want,)
        if len(got_parts) != len(want_parts):
            raise _not_yet(what, _("returned {n} values, expected {expected}").format(
                n=len(got_parts), expected=len(want_parts)))
        for index, (g, w) in enumerate(zip(got_parts, want_parts)):
            if w is None:
                continue
            value = _("{what}: value {index}").format(what=_(what), index=index)
            g, w = _as_numbers(g, value), np.asarray(w)
            if g.shape != w.shape:
                raise _not_yet(what, _("value {index} has shape {shape}, expected {expected} (trial "
                                       "{trial})").format(index=index, shape=g.shape, expected=w.shape,
                                                          trial=trial))
            _require_finite(g, w, _("{value} (trial {trial})").format(value=value, trial=trial))
            worst = max(worst, float(np.max(np.abs(g - w), initial=0.0)))
    _verdict(worst <= atol, what, _("{trials} random trials, max abs difference {difference:.1e}").format(
        trials=trials, difference=worst))


def check_backward(forward, answer_backward, inputs, hyper=None, *, threshold=1e-7, **options) -> None:
    """Check a hand-written backward pass against central differences.

    Runs :func:`cnnlab.gradcheck.check_function` (float64 inputs, random
    upstream gradient) and prints its report with the verdict.
    """
    try:
        report = check_function(forward, answer_backward, inputs, hyper, threshold=threshold, **options)
    except NotImplementedError:
        _your_turn(getattr(answer_backward, "__name__", YOUR_BACKWARD))
        return
    print(report)
    _verdict(report.passed, getattr(answer_backward, "__name__", YOUR_BACKWARD),
             _("max relative error {error:.1e} against threshold {threshold:.0e}").format(
                 error=report.max_rel_error, threshold=threshold))


__all__ = ["check_backward", "check_same_function", "check_value", "rel_error"]
