"""The student's own file, ``my_layers.py``: what they write, kept across notebooks.

``@exercise("conv2d_backward")`` on a function written in a notebook does three
things:

1. it saves the function's source into ``my_layers.py`` (beside the notebooks,
   or wherever ``CNNLAB_MY_LAYERS`` points), replacing an earlier version of the
   same function, so later notebooks and the lecturer find it there;
2. it returns the function wrapped so that, while its body is still the stub
   (``raise NotImplementedError``), calling it uses the library's version and
   says so once: every later cell runs;
3. it marks the function with its exercise, for :func:`cnnlab.course.check`.

:func:`use_my_layers` reads that file, checks every function in it, and binds
the ones that pass into the layers with :func:`cnnlab.ops.use`, the same idiom
the library binds its own functions with. It says, by name, which functions are
still the library's and why.

A saved function may use NumPy (as ``np``), anything from
``cnnlab.functional`` and other functions of the same file, but not helpers
defined only in a notebook.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import inspect
import os
import textwrap
from pathlib import Path

from .. import ops
from .._io import atomic_write
from ..i18n import N_, _
from .catalog import all_exercises, lookup

ENV = "CNNLAB_MY_LAYERS"
HEADER = '''"""My layers: the functions I wrote in the cnnlab notebooks.

cnnlab.course writes this file when I run an exercise cell (one block per function,
replaced when I rewrite it); cnnlab.course.use_my_layers() puts the functions into
the layers. I may also edit it by hand.
"""

import numpy as np

from cnnlab.functional import *  # noqa: F401,F403  (caches and gradient types: Conv2dGrads, ...)
'''
_BEGIN, _END = "# --- exercise: {id} ---", "# --- end: {id} ---"
#: Whose each layer function is: the values of :func:`use_my_layers`'s report (English,
#: which code may compare with), printed in the language of :mod:`cnnlab.i18n`.
YOURS, NOT_WRITTEN = N_("yours"), N_("library (not written yet)")
FAILING = N_("library (yours does not pass its check yet: {why})")


def my_layers_path() -> Path:
    """Where the student's file is: ``$CNNLAB_MY_LAYERS``, else ``my_layers.py`` in the current folder."""
    return Path(os.environ.get(ENV) or "my_layers.py").resolve()


# -- reading a function's source ---------------------------------------------------------
def _function_node(source: str):
    tree = ast.parse(source)
    return next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)


def _is_stub(node) -> bool:
    """True when the body is only a docstring and ``raise NotImplementedError``."""
    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
                                         and isinstance(s.value.value, str))]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(exc, ast.Name) and exc.id == "NotImplementedError"


def _source_without_decorators(fn) -> tuple[str, bool] | None:
    """``(source, is_stub)`` of ``fn`` with its decorators removed; None if the source is unknown."""
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return None
    node = _function_node(source)
    if node is None:
        return None
    lines = source.splitlines()[node.lineno - 1:node.end_lineno]
    return "\n".join(lines) + "\n", _is_stub(node)


# -- the file ----------------------------------------------------------------------------
def _replace_block(text: str, exercise_id: str, source: str) -> str:
    """``text`` with the block of ``exercise_id`` replaced by ``source`` (appended if absent);
    everything outside that block, hand edits included, stays as it is."""
    begin, end = _BEGIN.format(id=exercise_id), _END.format(id=exercise_id)
    block = f"{begin}\n{source.rstrip()}\n{end}\n"
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\n") == begin]
    stops = [i for i, line in enumerate(lines) if line.rstrip("\n") == end]
    if starts and stops and stops[0] > starts[0]:
        return "".join(lines[:starts[0]]) + block + "".join(lines[stops[0] + 1:])
    return text.rstrip("\n") + "\n\n\n" + block


def save_function(exercise_id: str, source: str, path: Path | None = None) -> Path:
    """Put ``source`` into the student's file as the block of ``exercise_id`` (an atomic rewrite)."""
    path = my_layers_path() if path is None else Path(path)
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, _replace_block(text, exercise_id, source))
    return path


# -- the decorator -----------------------------------------------------------------------
def exercise(exercise_id: str):
    """Mark a function as the answer to exercise ``exercise_id`` and save it to ``my_layers.py``."""
    ex = lookup(exercise_id)

    def decorate(fn):
        if getattr(fn, "__name__", None) != ex.id:
            raise NameError(_("exercise {id!r}: name the function {id}, as the exercise does (got {name!r}); "
                              "the checks and the grader look for it by name").format(
                id=ex.id, name=getattr(fn, "__name__", fn)))
        found = _source_without_decorators(fn)
        if found is not None and not found[1]:
            save_function(ex.id, found[0])
        told = []

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except NotImplementedError:
                if not told:
                    told.append(True)
                    print(_("note: {id} is not written yet; using the library's").format(id=ex.id))
                return ex.reference(*args, **kwargs)

        wrapper.__exercise_id__ = ex.id
        wrapper.__student_function__ = fn
        return wrapper

    return decorate


# -- binding the file into the layers ------------------------------------------------------
def load_my_layers(path: Path | None = None):
    """Import the student's file as a module (a fresh import each call); None if it does not exist."""
    path = my_layers_path() if path is None else Path(path)
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"my_layers_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _status(ex, module) -> tuple[str, str, object]:
    """``(status, why, fn)``: one of the statuses above, why the function fails its check
    (or ""), and the function to bind (None: the library's)."""
    from .checker import NOT_ATTEMPTED, PASSED, run_check

    fn = getattr(module, ex.id, None) if module is not None else None
    if getattr(fn, "__module__", None) != getattr(module, "__name__", ""):
        return NOT_WRITTEN, "", None  # a name the file imported (the library's own), not one it defines
    result = run_check(ex, fn)
    if result.status == PASSED:
        return YOURS, "", fn
    if result.status == NOT_ATTEMPTED:
        return NOT_WRITTEN, "", None
    return FAILING, result.diagnosis or result.message, None


def use_my_layers(path: Path | None = None, *, quiet: bool = False) -> dict[str, str]:
    """Bind every function of ``my_layers.py`` that passes its check into the layers.

    Functions that are missing, unwritten or failing stay the library's. Prints a
    table of every layer function and whose it is (unless ``quiet``) and returns
    it as ``{name: "yours" | "library (...)"}``.
    """
    path = my_layers_path() if path is None else Path(path)
    try:
        module = load_my_layers(path)
    except Exception as exc:  # a student's file: any error in it is theirs to fix, not a crash
        module = None
        if not quiet:
            print(_("{path} could not be imported ({error}: {message}); using the library's "
                    "functions").format(path=path, error=type(exc).__name__, message=exc))
    statuses, chosen = {}, {}
    for ex in all_exercises():
        if ex.op is not None:
            status, why, chosen[ex.op] = _status(ex, module)
            statuses[ex.op] = status, why
    ops.reset(*chosen)
    ops.use(**{name: fn for name, fn in chosen.items() if fn is not None})
    if not quiet:
        width = max(map(len, statuses), default=0)
        where = path if module is not None else _("{path} (not found)").format(path=path)
        print(_("layer functions, from {where}:").format(where=where))
        for name, (status, why) in statuses.items():
            print(f"  {name:<{width}}  {_(status).format(why=why)}")
    return {name: status.format(why=why) for name, (status, why) in statuses.items()}


__all__ = ["exercise", "load_my_layers", "my_layers_path", "save_function", "use_my_layers"]
