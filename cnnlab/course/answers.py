"""Conceptual questions: predict-then-run and why-questions, checked without revealing the answer.

A numeric or multiple-choice question stores only a SHA-256 digest of its answer
in canonical form (a number to ``digits`` significant figures, a choice as its
lower-case letter or word), so reading the package does not give the answer
away, and a wrong answer is told only that it is wrong, with the question's hint.
(For a multiple-choice question the digest is a courtesy, not a lock: hashing
its few options finds it.) Open questions are not checked here: the notebook has an answer cell, and the
model answer (a ``solution`` cell) is left out of the student edition.

The questions themselves live in :mod:`cnnlab.course.quiz`, one module per
notebook; :func:`digest` makes the digest of a new one::

    python -c "from cnnlab.course.answers import digest; print(digest('number', 14))"
"""

from __future__ import annotations

import hashlib
import numbers
from dataclasses import dataclass

from ..i18n import _

KINDS = ("number", "choice")


@dataclass(frozen=True)
class Question:
    """A question checked by the package. ``prompt`` is one line (for feedback files);
    ``choices`` lists the valid options of a multiple-choice question ("a", "b", ...).
    ``prompt`` and ``hint`` are English, marked ``N_("...")`` and shown translated."""

    id: str
    notebook: str
    kind: str
    prompt: str
    answer_digest: str
    choices: tuple = ()
    digits: int = 3
    hint: str = ""
    points: int = 1


QUESTIONS: dict[str, Question] = {}


def canonical(kind: str, value, digits: int = 3) -> str:
    """The form that is hashed: ``'14'``, ``'0.693'``, ``'b'``."""
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(_("expected a number, got {type}").format(type=type(value).__name__))
        return f"{float(value):.{digits}g}"
    if not isinstance(value, str):
        raise TypeError(_("expected one of the choices as a string, got {type}").format(
            type=type(value).__name__))
    return value.strip().lower()


def digest(kind: str, value, digits: int = 3) -> str:
    """SHA-256 hex digest of the canonical answer."""
    return hashlib.sha256(canonical(kind, value, digits).encode()).hexdigest()


def register(*questions: Question) -> None:
    for q in questions:
        if q.kind not in KINDS:
            raise ValueError(f"question {q.id}: expected kind in {KINDS}, got {q.kind!r}")
        if q.id in QUESTIONS:
            raise ValueError(f"question id {q.id!r} registered twice")
        QUESTIONS[q.id] = q


def _load() -> None:
    from . import quiz  # noqa: F401  (registers on import)


def is_question(question_id: str) -> bool:
    _load()
    return question_id in QUESTIONS


def lookup(question_id: str) -> Question:
    _load()
    try:
        return QUESTIONS[question_id]
    except KeyError:
        raise KeyError(f"no question called {question_id!r}; known: {', '.join(sorted(QUESTIONS))}") from None


def by_notebook(notebook: str) -> list[Question]:
    _load()
    return [q for q in QUESTIONS.values() if q.notebook == notebook]


def check_answer(question_id: str, value):
    """A :class:`~cnnlab.course.checker.CheckResult` for the answer ``value``."""
    from .checker import FAILED, NOT_ATTEMPTED, PASSED, CheckResult

    q = lookup(question_id)
    result = CheckResult(q.id, NOT_ATTEMPTED, _("no answer yet; replace the ... with yours and run "
                                                "this cell again"), max_points=float(q.points))
    if value is None or value is Ellipsis:
        return result
    try:
        given = canonical(q.kind, value, q.digits)
    except TypeError as exc:
        result.status, result.message = FAILED, str(exc)
        return result
    if q.kind == "choice" and given not in q.choices:
        result.status = FAILED
        result.message = _("expected one of {choices}, got {value!r}").format(
            choices=", ".join(repr(c) for c in q.choices), value=value)
    elif digest(q.kind, value, q.digits) == q.answer_digest:
        result.status, result.message = PASSED, _("{given} is right").format(given=given)
    else:
        result.status = FAILED
        result.message = (_("{given} is not the answer (compared to {digits} significant figures)")
                          if q.kind == "number" else _("{given} is not the answer")).format(
            given=given, digits=q.digits)
        result.diagnosis = _(q.hint) if q.hint else ""
    return result


__all__ = ["Question", "QUESTIONS", "by_notebook", "canonical", "check_answer", "digest",
           "is_question", "lookup", "register"]
