"""What the course asks a student to write: one :class:`Exercise` per function.

An exercise names the function the student writes (its ``id`` is also the
function's name), the library's reference for it, and how to draw test cases. The
checker (:mod:`cnnlab.course.checker`) runs the student's function and the
reference on the same fresh random cases, compares them in float64, and, when
they differ, tries every catalogued :class:`Mistake` of that exercise on the same
case: the one the student's answer agrees with names the likely misconception.

Three kinds of exercise:

* ``"forward"``: a layer's forward, ``f(*args, **kwargs) -> (out, cache)``. Its
  cache must be the library's (same type, same fields), so that it works with
  either backward; the checker verifies that with the library's backward.
* ``"backward"``: ``f(dout, cache) -> grads``. Cases give the *forward's*
  arguments; the checker runs the library's forward to make the cache and draws
  a random ``dout``, then also gradient-checks the answer numerically.
* ``"function"``: any other function, called as ``f(*args, **kwargs)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

KINDS = ("forward", "backward", "function")


@dataclass(frozen=True)
class Case:
    """One set of arguments: ``args`` positional, ``kwargs`` by keyword, ``label`` for messages
    (``"batch of one"``, ``"max-pool ties"``, ``"3x2 kernel, stride 2, pad 1"``)."""

    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: ``wrong`` computes it, with the exercise's signature;
    ``diagnosis`` says, as a tutor would, what the student probably did
    (``"the kernel is not rotated by 180 degrees in dx"``)."""

    name: str
    diagnosis: str
    wrong: Callable


@dataclass(frozen=True)
class Exercise:
    """A function the student writes; see the module docstring for the kinds."""

    id: str
    notebook: str            #: "05": the notebook whose exercise this is
    title: str               #: one line, for feedback files and the gradebook
    kind: str
    reference: Callable
    cases: Callable          #: cases(rng) -> list of Case, random and edge cases
    forward: Callable | None = None   #: backward kind: the library forward that makes the cache
    backward: Callable | None = None  #: forward kind: the library backward that checks the cache
    op: str | None = None    #: the cnnlab.ops name this answer can replace inside layers
    mistakes: tuple = ()
    points: int = 2
    rtol: float = 1e-6
    atol: float = 1e-9
    gradcheck: dict = field(default_factory=dict)  #: options for check_function (h, richardson)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Exercise {self.id}: expected kind in {KINDS}, got {self.kind!r}")
        if self.kind == "backward" and self.forward is None:
            raise ValueError(f"Exercise {self.id}: a backward exercise needs the library forward")


EXERCISES: dict[str, Exercise] = {}


def register(*exercises: Exercise) -> None:
    """Add exercises to the catalogue; ids are unique across the course."""
    for ex in exercises:
        if ex.id in EXERCISES:
            raise ValueError(f"exercise id {ex.id!r} registered twice")
        EXERCISES[ex.id] = ex


def float64(rng: np.random.Generator, *shape) -> np.ndarray:
    """Standard normal float64 array: the default random input of a case."""
    return rng.standard_normal(shape)


def lookup(exercise_id: str) -> Exercise:
    """The exercise called ``exercise_id``; a clear error naming the known ids otherwise."""
    _load_specs()
    try:
        return EXERCISES[exercise_id]
    except KeyError:
        raise KeyError(f"no exercise called {exercise_id!r}; known: {', '.join(sorted(EXERCISES))}") from None


def all_exercises() -> list[Exercise]:
    """Every exercise of the course, in catalogue order (notebook by notebook)."""
    _load_specs()
    return list(EXERCISES.values())


def by_notebook(notebook: str) -> list[Exercise]:
    """The exercises of one notebook ("05"), in catalogue order."""
    _load_specs()
    return [ex for ex in EXERCISES.values() if ex.notebook == notebook]


def _load_specs() -> None:
    # the spec modules register on import; imported late so that they may import the checker
    from . import specs  # noqa: F401
