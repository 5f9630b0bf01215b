"""Which cells of a submitted notebook grading runs: the student's, and what they need.

Scoring needs the student's functions and answers, not the hand-out's plots and
demonstrations (a training run in notebook 07 costs more than all the answers
together). So grading runs every cell the student could edit (every cell that
is not locked hand-out material in the release's nbgrader metadata, cells the
student added included) and the locked cells those depend on, found by the
names they define and use (``import numpy as np`` defines ``np``, a solution
that calls ``np.zeros`` uses it), followed through to a fixed point. The first
code cell (the notebook's imports and set-up) always runs. A notebook without
nbgrader metadata (the teacher edition, or one whose metadata was stripped)
runs whole.
"""

from __future__ import annotations

import builtins
import symtable

_BUILTINS = frozenset(dir(builtins))


def _python(source: str) -> str:
    """The cell as plain Python: IPython's magics (``%matplotlib inline``) transformed away."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # pragma: no cover - IPython comes with the kernel
        return source
    return TransformerManager().transform_cell(source)


def names(source: str) -> tuple[set[str], set[str]] | None:
    """``(defined, used)`` top-level names of a cell; None if it is not Python.

    Read from the cell's symbol table, as Python scopes them: a name a function or class
    uses counts only when it is a global there, so a solution's local ``out`` or ``mask``
    does not pull in a demonstration that happens to define a global of that name.
    """
    try:
        table = symtable.symtable(_python(source), "<cell>", "exec")
    except SyntaxError:
        return None
    defined, used = set(), set()
    for symbol in table.get_symbols():
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
            defined.add(symbol.get_name())
        if symbol.is_referenced():
            used.add(symbol.get_name())
    nested = list(table.get_children())
    while nested:  # functions, classes and comprehensions, however deep
        scope = nested.pop()
        used |= {s.get_name() for s in scope.get_symbols() if s.is_global() and s.is_referenced()}
        nested.extend(scope.get_children())
    return defined, used - _BUILTINS


def _locked(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader")
    return bool(meta) and bool(meta.get("locked")) and not meta.get("solution")


def cells_to_skip(nb) -> set[int]:
    """Indices of the code cells grading need not run (see the module docstring)."""
    code = [i for i, cell in enumerate(nb["cells"]) if cell.get("cell_type") == "code"]
    if not any(_locked(nb["cells"][i]) for i in code):
        return set()
    parsed = {i: names(nb["cells"][i].get("source", "")) for i in code}
    needed = {i for i in code if not _locked(nb["cells"][i])} | set(code[:1])
    wanted: set[str] = set()
    for i in needed:
        if parsed[i] is not None:
            wanted |= parsed[i][1]
    changed = True
    while changed:  # add locked cells that define a wanted name, and what they in turn use
        changed = False
        for i in code:
            if i in needed or parsed[i] is None or not (parsed[i][0] & wanted):
                continue
            needed.add(i)
            wanted |= parsed[i][1]
            changed = True
    return set(code) - needed


__all__ = ["cells_to_skip", "names"]
