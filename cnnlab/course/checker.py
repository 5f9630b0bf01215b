"""Check a student's function against the reference, and diagnose what went wrong.

:func:`run_check` runs an answer and the library's reference on the same fresh
random cases (float64, edge cases included), compares them, gradient-checks a
backward (or a forward with the library's backward) against central
differences, and on the first failing case tries each catalogued
:class:`~cnnlab.course.catalog.Mistake`: the one the answer agrees with names the
likely misconception. A verdict never shows the expected values, only what kind
of thing was expected (a type, a shape) and how far off the answer is.

:func:`check` is the notebook's verb: it prints the verdict, and stops the cell
with a one-line error (no traceback) when the answer is wrong.
"""

from __future__ import annotations

import copy
import inspect
import zlib
from dataclasses import dataclass

import numpy as np

from ..gradcheck import check_function
from ..i18n import N_, _
from . import answers
from .catalog import Exercise, by_notebook, lookup

PASSED, FAILED, NOT_ATTEMPTED, MISSING = "passed", "failed", "not attempted", "missing"
#: How a verdict starts, by status.
_HEADS = {PASSED: N_("correct"), FAILED: N_("not yet"), NOT_ATTEMPTED: N_("your turn"),
          MISSING: N_("missing")}


@dataclass
class CheckResult:
    """The verdict on one answer; ``points`` is ``max_points`` when passed, else 0."""

    id: str
    status: str
    message: str
    diagnosis: str = ""
    mistake: str | None = None
    max_points: float = 0.0

    @property
    def points(self) -> float:
        return self.max_points if self.status == PASSED else 0.0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def line(self) -> str:
        """The verdict as the student reads it, in the language of :mod:`cnnlab.i18n`."""
        head = _(_HEADS[self.status]) if self.status in _HEADS else self.status
        text = _("{head}: {id}: {message}").format(head=head, id=self.id, message=self.message)
        if not self.diagnosis:
            return text
        return text + "\n  " + _("likely mistake: {diagnosis}").format(diagnosis=self.diagnosis)

    def as_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "message": self.message,
                "diagnosis": self.diagnosis, "mistake": self.mistake,
                "points": self.points, "max_points": self.max_points}


class NotYet(AssertionError):
    """A wrong answer: shown in Jupyter as its one-line verdict, without a traceback."""

    def _render_traceback_(self):  # IPython's hook for a custom traceback
        return [str(self)]


class _Problem(Exception):
    """An answer differs from the reference; the message says how, never what was expected."""


def _fail(text: str, **values) -> _Problem:
    """A :class:`_Problem` saying ``text`` (already translated) with ``values`` filled in."""
    return _Problem(text.format(**values))


def seeded_rng(exercise_id: str, seed: int | None = None) -> np.random.Generator:
    """The cases' generator: fixed per exercise (reproducible notebook output), or
    mixed with ``seed`` (grading: inputs the student never saw)."""
    key = zlib.crc32(exercise_id.encode())
    return np.random.default_rng(key if seed is None else [int(seed), key])


# -- comparing ---------------------------------------------------------------------------
def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return _("an array of shape {shape}").format(shape=tuple(value.shape))
    return type(value).__name__


def _compare_arrays(got, want, ex: Exercise, what: str) -> None:
    if want is None:
        return
    if np.ndim(want) == 0 and not isinstance(got, np.ndarray):
        if not isinstance(got, (int, float, np.number)) or isinstance(got, bool):
            raise _fail(_("{what} should be a number, got {type}"), what=what, type=type(got).__name__)
    elif isinstance(want, np.ndarray) and not isinstance(got, np.ndarray):
        raise _fail(_("{what} should be a numpy array of shape {shape}, got {got}"), what=what,
                    shape=tuple(want.shape), got=_describe(got))
    got_a, want_a = np.asarray(got), np.asarray(want)
    if got_a.shape != want_a.shape:
        raise _fail(_("{what} has shape {shape}; expected shape {expected}"), what=what,
                    shape=tuple(got_a.shape), expected=tuple(want_a.shape))
    if not (np.issubdtype(got_a.dtype, np.number) or got_a.dtype == bool):
        raise _fail(_("{what} has dtype {dtype}; expected numbers"), what=what, dtype=got_a.dtype)
    got_f, want_f = got_a.astype(np.float64), want_a.astype(np.float64)
    bad = ~np.isfinite(got_f) & np.isfinite(want_f)
    if bad.any():
        raise _fail(_("{what} contains {nan} ({count} of {size} values)"), what=what,
                    nan="NaN" if np.isnan(got_f[bad]).any() else "inf", count=int(bad.sum()), size=got_f.size)
    if not np.allclose(got_f, want_f, rtol=ex.rtol, atol=ex.atol, equal_nan=True):
        with np.errstate(all="ignore"):
            errors = np.abs(got_f - want_f) / np.maximum(1e-8, np.abs(got_f) + np.abs(want_f))
        worst = float(np.max(errors, where=np.isfinite(errors), initial=0.0))
        raise _fail(_("{what} is wrong (largest relative error {error:.1e})"), what=what, error=worst)


def _compare(got, want, ex: Exercise, what: str) -> None:
    """Raise :class:`_Problem` unless ``got`` matches ``want`` in structure and values."""
    if isinstance(want, tuple):
        fields = getattr(want, "_fields", None)
        named = f"{type(want).__name__}({', '.join(fields)})" if fields else None
        if not isinstance(got, tuple) or len(got) != len(want):
            got_text = _("tuple of {n}").format(n=len(got)) if isinstance(got, tuple) else _describe(got)
            raise _fail(_("{what} should be {expected}, got {got}"), what=what, got=got_text,
                        expected=named or _("a tuple of {n}").format(n=len(want)))
        if fields and getattr(got, "_fields", None) != fields:
            raise _fail(_("{what} should be {expected} (from cnnlab.functional), got a plain {type}"),
                        what=what, expected=named, type=type(got).__name__)
        for index, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, ex, fields[index] if fields else f"{what}[{index}]")
        return
    if isinstance(want, (int, np.integer)) and not isinstance(want, bool):
        if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
            raise _fail(_("{what} should be an int, got {type}"), what=what, type=type(got).__name__)
        if got != want:
            raise _fail(_("{what} is wrong"), what=what)
        return
    _compare_arrays(got, want, ex, what)


# -- running one case --------------------------------------------------------------------
def _call(fn, args, kwargs):
    return fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def _upstream(out, rng):
    if np.ndim(out) == 0:
        return float(rng.standard_normal())
    return rng.standard_normal(np.shape(out))


def _same_inputs(before, after) -> bool:
    for b, a in zip(before, after):
        if isinstance(b, np.ndarray) and not np.array_equal(a, b, equal_nan=True):
            return False
    return True


def _run_case(ex: Exercise, fn, case, rng):
    """Return ``(got, want, call)`` for one case; ``call(f)`` reruns the same case with ``f``."""
    if ex.kind == "backward":
        out, cache = _call(ex.forward, case.args, case.kwargs)
        dout = _upstream(out, rng)

        def call(f):
            dout_copy, cache_copy = copy.deepcopy(dout), copy.deepcopy(cache)
            result = f(dout_copy, cache_copy)
            if not _same_inputs((dout,), (dout_copy,)):
                raise _Problem(_("it modified its upstream gradient dout in place; compute a new array "
                                 "instead"))
            return result

        return call, ex.reference(dout, cache)

    def call(f):
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        result = f(*args, **kwargs)
        if not _same_inputs(case.args, args):
            raise _Problem(_("it modified its input in place; compute a new array instead"))
        return result

    return call, _call(ex.reference, case.args, case.kwargs)


def _check_forward_result(ex, got, want, rng):
    if not isinstance(got, tuple) or len(got) != 2:
        raise _fail(_("a forward returns (out, cache), got {got}"), got=_describe(got))
    _compare(got[0], want[0], ex, "out")
    if ex.backward is not None:
        dout = _upstream(want[0], rng)
        try:
            from_yours = ex.backward(dout, got[1])
        except Exception as exc:
            raise _fail(_("the library's backward cannot use your cache ({error}: {message}); return "
                          "the same cache as the library's forward"), error=type(exc).__name__,
                        message=exc) from None
        try:
            _compare(from_yours, ex.backward(dout, want[1]), ex, _("the backward of your cache"))
        except _Problem as problem:
            raise _fail(_("{problem}: return the same cache as the library's forward"),
                        problem=problem) from None


def _check_result(ex, got, want, rng):
    if ex.kind == "forward":
        _check_forward_result(ex, got, want, rng)
    else:
        _compare(got, want, ex, _("the result") if ex.kind == "function" else _("your gradients"))


# -- diagnosing ----------------------------------------------------------------------------
def _agrees(ex, got, other) -> bool:
    """Do two answers to the same case agree (for a forward: its output, and what the
    library's backward makes of its cache)?"""
    try:
        if ex.kind != "forward":
            _compare(got, other, ex, "value")
            return True
        _compare(got[0], other[0], ex, "out")
        if ex.backward is not None:
            dout = _upstream(other[0], np.random.default_rng(0))
            mine, theirs = _backward_of(ex, dout, got[1]), _backward_of(ex, dout, other[1])
            if isinstance(mine, type) or isinstance(theirs, type):  # the backward failed on a cache
                return mine is theirs
            _compare(mine, theirs, ex, "gradients")
    except Exception:
        return False
    return True


def _backward_of(ex, dout, cache):
    """The library's backward of ``cache``, or the type of the error it raised."""
    try:
        return ex.backward(dout, cache)
    except Exception as exc:
        return type(exc)


def _generic_diagnosis(ex, got, want) -> str:
    if ex.kind == "forward" and isinstance(got, tuple) and len(got) == 2:
        got, want = got[0], want[0]
    pairs = list(zip(got, want)) if isinstance(want, tuple) and isinstance(got, tuple) else [(got, want)]
    for name_index, (g, w) in enumerate(pairs):
        try:
            g, w = np.asarray(g, dtype=np.float64), np.asarray(w, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        name = getattr(want, "_fields", [None] * len(pairs))[name_index] or _("the result")
        if g.ndim == 2 and g.shape == w.T.shape and g.shape != w.shape:
            return _("{name} looks transposed: check the order of the factors of the matrix "
                     "product").format(name=name)
        if g.shape == w.shape and g.size and np.isfinite(g).all() and not np.allclose(g, w):
            if np.allclose(g, -w):
                return _("{name} has the wrong sign").format(name=name)
            nonzero = np.abs(w) > 1e-12
            if nonzero.any():
                ratio = g[nonzero] / w[nonzero]
                if np.allclose(ratio, ratio[0], rtol=1e-6) and np.allclose(g, ratio[0] * w):
                    return _("{name} is off by a constant factor of {factor:.4g}: a scaling is missing "
                             "or extra (a 1/N, say)").format(name=name, factor=ratio[0])
    return ""


def _diagnose(ex, call, got, want):
    for mistake in ex.mistakes:
        try:
            wrong = call(mistake.wrong)
        except Exception:
            continue
        # a mistake that gives the right answer on this case cannot explain the wrong one
        if _agrees(ex, got, wrong) and not _agrees(ex, wrong, want):
            return _(mistake.diagnosis), mistake.name
    return _generic_diagnosis(ex, got, want), None


# -- the check -----------------------------------------------------------------------------
def _gradient_check(ex, fn, case):
    if ex.kind == "function" or not case.args:
        return ""
    forward, backward = (fn, ex.backward) if ex.kind == "forward" else (ex.forward, fn)
    if backward is None:
        return ""
    names = list(inspect.signature(ex.forward or ex.reference).parameters)
    inputs = {n: a for n, a in zip(names, case.args) if isinstance(a, np.ndarray)
              and np.issubdtype(a.dtype, np.floating)}
    hyper = {**{n: a for n, a in zip(names, case.args) if n not in inputs}, **case.kwargs}
    report = check_function(forward, backward, inputs, hyper, **ex.gradcheck)
    if not report.passed:
        raise _fail(_("the numerical gradient check fails (largest relative error {error:.1e}, "
                      "threshold 1e-07)"), error=report.max_rel_error)
    return _("; gradient check {error:.0e}").format(error=report.max_rel_error)


def _unwrap(fn):
    return getattr(fn, "__student_function__", fn)


def run_check(ex: Exercise, fn, *, rng=None, seed=None) -> CheckResult:
    """Run the answer ``fn`` to exercise ``ex`` on fresh cases; never raises for a wrong answer."""
    result = CheckResult(ex.id, NOT_ATTEMPTED, _("not written yet; fill it in above and run this cell "
                                                 "again"), max_points=float(ex.points))
    fn = _unwrap(fn)
    if fn is None or fn is Ellipsis:
        return result
    if not callable(fn):
        result.status, result.message = FAILED, _("expected a function {id}, got {type}").format(
            id=ex.id, type=type(fn).__name__)
        return result
    rng = seeded_rng(ex.id, seed) if rng is None else rng
    cases = ex.cases(rng)
    case = None
    try:
        for case in cases:
            call, want = _run_case(ex, fn, case, rng)
            got = call(fn)
            try:
                _check_result(ex, got, want, rng)
            except _Problem as problem:
                result.status, result.message = FAILED, _in_case(problem, case)
                result.diagnosis, result.mistake = _diagnose(ex, call, got, want)
                return result
        tail = _gradient_check(ex, fn, cases[0])
    except NotImplementedError:
        return result
    except _Problem as problem:
        result.status, result.message = FAILED, str(problem)
        return result
    except Exception as exc:
        raised = _("it raised {error}: {message}").format(error=type(exc).__name__, message=exc)
        result.status, result.message = FAILED, raised if case is None else _in_case(raised, case)
        return result
    # TRANSLATORS: between the labels of the cases, "batch of one; stride 2"
    labels = _("; ").join(c.label for c in cases)
    result.status = PASSED
    result.message = _("matches the library on {n} random cases ({labels}){tail}").format(
        n=len(cases), labels=labels, tail=tail)
    return result


def _in_case(problem, case) -> str:
    return _("{problem} (case: {case})").format(problem=problem, case=case.label)


def check(target, value=Ellipsis, *, seed=None, quiet=False) -> CheckResult | None:
    """Check an exercise's function, or a question's answer, and print the verdict.

    ``check(conv2d_backward)`` checks the function written for exercise
    ``conv2d_backward``; ``check("q04_output_height", 14)`` checks an answer.
    A wrong answer stops the cell with its one-line verdict; an unwritten one
    only says so, so a notebook runs top to bottom. Returns nothing in a
    notebook; ``quiet=True`` returns the :class:`CheckResult` instead of
    printing or raising.
    """
    if isinstance(target, str) and answers.is_question(target):
        result = answers.check_answer(target, value)
    else:
        exercise_id = target if isinstance(target, str) else getattr(
            target, "__exercise_id__", getattr(target, "__name__", None))
        fn = value if isinstance(target, str) else target
        result = run_check(lookup(str(exercise_id)), fn, seed=seed)
    if quiet:
        return result
    if result.status == FAILED:
        raise NotYet(result.line())
    print(result.line())
    return None


def grade_namespace(namespace: dict, notebook: str, seed: int) -> list[dict]:
    """Score every exercise and question of ``notebook`` ("05") found in ``namespace``
    (a kernel's globals), on cases drawn from ``seed``. One dict per item, JSON-ready."""
    results = []
    for ex in by_notebook(notebook):
        if ex.id not in namespace:
            missing = _("no function named {id} was found: keep the name the exercise gives")
            r = CheckResult(ex.id, MISSING, missing.format(id=ex.id), max_points=float(ex.points))
        else:
            r = run_check(ex, namespace[ex.id], seed=seed)
        results.append({**r.as_dict(), "kind": "exercise", "title": _(ex.title)})
    for question in answers.by_notebook(notebook):
        value = namespace.get(question.id, Ellipsis)
        r = answers.check_answer(question.id, value)
        results.append({**r.as_dict(), "kind": "question", "title": _(question.prompt)})
    return results


__all__ = ["CheckResult", "NotYet", "check", "grade_namespace", "run_check", "seeded_rng"]
