"""One submission, graded in a worker process: each notebook in a fresh kernel, then scored.

:func:`grade_submission` is what a worker runs (a loky process, or a Dask
worker). For every notebook chosen for grading it

1. copies the student's folder to a temporary folder of its own (the notebook's
   working directory: files it writes go nowhere), fresh for every attempt;
2. starts a kernel of this Python (``sys.executable -m ipykernel_launcher``)
   there, with ``CNNLAB_QUICK=1``, ``CNNLAB_MY_LAYERS=<copy>/my_layers.py``,
   ``MPLBACKEND=Agg`` and this process's environment otherwise;
3. runs the student's code cells one by one, errors allowed: a cell running past
   ``cell_timeout`` seconds is interrupted and the next cell runs;
4. appends one grading cell, which calls ``grade_namespace(globals(), "05",
   seed)`` in the kernel and prints its result as one JSON line behind a marker
   that is new for every run, and reads that line back. Scoring may take
   ``max(cell_timeout, 60)`` seconds (a student's function may be slow, or loop).

What untrusted notebooks do, and what happens then (each recorded as a note of
that notebook, none ever an exception of the batch):

* a cell that does not stop when interrupted (it catches ``KeyboardInterrupt``,
  or loops in C): after a grace period the kernel is killed and the notebook is
  run again from the start, in a new kernel, without that cell;
* a cell that kills the kernel (``os._exit``, a segfault, running out of memory):
  run again without that cell;
* a run past ``timeout`` seconds: the kernel is killed and the notebook run again
  without the cells that timed out and the one that was running;
* at most :data:`MAX_RETRIES` such reruns; after that, and when the notebook
  cannot be read or its kernel cannot start, every item of the notebook gets
  status ``"error"`` and 0 points, with the reason.

Student cells' outputs are dropped as they arrive (only errors are kept, for the
notes), so a cell printing in a loop cannot fill the worker's memory.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import shutil
import tempfile
import textwrap
import time
from pathlib import Path

from ..i18n import _
from .grade_cells import cells_to_skip
from .grade_kernel import _LOG, STATUSES, _attempt, _seconds

__all__ = ["grade_submission", "grade_notebook", "grading_cell_source", "read_notebook",
           "placeholder_results", "list_files", "DEFAULT_GRADER", "STATUSES", "MAX_RETRIES"]

#: The grader's source, run inside the grading cell: it must define ``grade_namespace``.
DEFAULT_GRADER = "from cnnlab.course.checker import grade_namespace\n"
MAX_RETRIES = 2                     #: reruns after a kernel death, a stuck cell or a run past the limit
MARKER = "@@cnnlab-grade-result@@"  #: prefix of the grading cell's JSON line (plus a fresh token)
IGNORED_DIRS = frozenset({".ipynb_checkpoints", "__pycache__", ".git", "__MACOSX"})
#: Exceptions whose message is shown in the notes: they name code, never an expected value.
_SAFE_MESSAGES = frozenset({"NameError", "SyntaxError", "IndentationError", "TabError",
                            "ModuleNotFoundError", "ImportError", "AttributeError", "TypeError",
                            "ZeroDivisionError", "IndexError", "NotImplementedError", "MemoryError",
                            "RecursionError", "FileNotFoundError", "UnboundLocalError"})
_MAX_ERROR_NOTES = 5
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False


# -- the submission's files --------------------------------------------------------------
def list_files(root: Path) -> list[str]:
    """The files of a student's folder, as sorted relative POSIX paths: no hidden or cache
    folders (``.ipynb_checkpoints``, ``__pycache__``), no symbolic links."""
    root = Path(root)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS and not d.startswith(".")
                         and not os.path.islink(os.path.join(folder, d)))
        for name in files:
            path = Path(folder, name)
            if not path.is_symlink() and not name.startswith("."):
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def _materialize(task: dict, dest: Path) -> None:
    """Write the submission's files into ``dest``: shipped with the task (``files``, on a
    cluster), else copied from ``source`` (a folder, or one notebook file)."""
    dest.mkdir(parents=True)
    if task.get("files") is not None:
        for rel, data in task["files"].items():
            path = dest / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return
    source = Path(task["source"])
    if task["is_file"]:
        shutil.copyfile(source, dest / source.name)
        return
    for rel in list_files(source):
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, dest / rel)


def _notebook_bytes(task: dict, rel: str) -> bytes:
    if task.get("files") is not None:
        return task["files"][rel]
    source = Path(task["source"])
    return (source if task["is_file"] else source / rel).read_bytes()


# -- reading a notebook ------------------------------------------------------------------
class BadNotebook(ValueError):
    """A file that cannot be run as a notebook; the message says why, in one line."""


def read_notebook(data: bytes):
    """The notebook in ``data`` as an nbformat v4 node; :class:`BadNotebook` if it is not one."""
    import nbformat
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise BadNotebook(_("not valid notebook JSON: not UTF-8 text ({reason} at byte {byte})").format(
            reason=exc.reason, byte=exc.start)) from None
    except json.JSONDecodeError as exc:
        raise BadNotebook(_("not valid notebook JSON: {error}").format(error=exc)) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", []), list):
        raise BadNotebook(_("not a notebook: valid JSON, but not an object with a list of cells"))
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        cells = [c for c in nb.cells if isinstance(c, dict)]
        for cell in cells:
            cell.setdefault("metadata", {})
            cell.setdefault("source", "")
            if not isinstance(cell["source"], str):
                cell["source"] = "".join(cell["source"])
            if cell.get("cell_type") == "code":
                cell.setdefault("outputs", [])
        nb.cells = cells
    except Exception as exc:  # nbformat's conversions raise many kinds on odd input
        raise BadNotebook(_("not a notebook nbformat can read: {name}: {error}").format(
            name=type(exc).__name__, error=exc)) from None
    return nb


def _cell_label(nb, index: int) -> str:
    """``cell 7 (`while True:`)``: counted from 1 over all cells, with its first line."""
    lines = [ln.strip() for ln in nb.cells[index].source.splitlines() if ln.strip()]
    first = next((ln for ln in lines if not ln.startswith("#")), lines[0] if lines else "")
    if len(first) > 40:
        first = first[:37] + "..."
    return _("cell {number}").format(number=index + 1) + (f" (`{first}`)" if first else "")


# -- the grading cell --------------------------------------------------------------------
def grading_cell_source(grader: str, notebook: str, seed: int, marker: str) -> str:
    """The code appended after the student's cells: ``grader`` (source defining
    ``grade_namespace``) runs inside a function, so no name of the student's is touched."""
    body = textwrap.indent(textwrap.dedent(grader).strip(), "    ")
    return (
        "def __cnnlab_grade__():\n"
        "    import json as _json\n"
        "    import sys as _sys\n"
        f"{body}\n"
        f"    _results = grade_namespace(globals(), {notebook!r}, {int(seed)!r})\n"
        "    _line = _json.dumps(_results, default=lambda o: o.item() if hasattr(o, 'item') else str(o))\n"
        f"    _sys.stdout.write({marker!r} + _line + '\\n')\n"
        "    _sys.stdout.flush()\n"
        "try:\n"
        "    __cnnlab_grade__()\n"
        "finally:\n"
        "    del __cnnlab_grade__\n")


def placeholder_results(template, reason: str) -> list[dict]:
    """Every item of a notebook that could not be scored: status ``"error"``, 0 points, ``reason``."""
    return [{"id": t["id"], "kind": t.get("kind", "exercise"), "title": t.get("title", ""),
             "status": "error", "points": 0.0, "max_points": float(t.get("max_points", 0.0)),
             "message": reason, "diagnosis": ""} for t in (template or [])]


# -- one notebook, with its reruns ---------------------------------------------------------
def grade_notebook(task: dict, rel: str, notebook: str, *, grader: str, cell_timeout: float,
                   timeout: float, template=None) -> dict:
    """Run and score one notebook of a submission; never raises for anything the notebook does.

    Returns ``{"notebook", "file", "status", "notes", "results", "seconds"}``; ``status`` is
    ``"graded"`` or ``"error"`` (nothing could be scored: see the notes).
    """
    start = time.monotonic()
    entry = {"notebook": notebook, "file": rel, "status": "graded", "notes": [], "results": []}

    def fail(reason: str) -> dict:
        entry.update(status="error", results=placeholder_results(
            template, _("not scored: the notebook could not be run to the end (see the notes)")))
        entry["notes"].append(reason)
        entry["seconds"] = round(time.monotonic() - start, 3)
        return entry

    try:
        nb = read_notebook(_notebook_bytes(task, rel))
    except BadNotebook as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(_("the file could not be read: {error}").format(error=exc.strerror or exc))
    if not nb.cells:
        entry["notes"].append(_("the notebook has no cells"))
    marker = f"{MARKER}{secrets.token_hex(8)} "
    source = grading_cell_source(grader, notebook, task["seed"], marker)
    skip: set = cells_to_skip(nb)  # hand-out cells no answer depends on
    restarts = []
    for attempt in range(MAX_RETRIES + 1):
        with tempfile.TemporaryDirectory(prefix="cnnlab-grade-") as tmp:
            workdir = Path(tmp) / "submission"
            _materialize(task, workdir)
            # the kernel's own stdout and stderr (warnings, C-level prints) go to a file beside
            # the copy: nobody needs them, except to say why a kernel did not start
            with open(Path(tmp) / "kernel-output.txt", "w+b") as log:
                run = asyncio.run(_attempt(nb, skip, workdir, source, marker, cell_timeout,
                                           timeout, log))
        if run.stop is None:
            break
        if run.stop == "start":
            return fail(_("the kernel did not start: {detail}").format(detail=run.detail))
        if run.stop == "crash":
            return fail(_("grading failed: {detail}").format(detail=run.detail))
        label = _cell_label(nb, run.cell) if run.cell is not None else _("a cell")
        if run.stop == "died":
            skip.add(run.cell)
            restarts.append(_("the kernel died in {cell}; the notebook was run again in a new "
                              "kernel without it").format(cell=label))
        elif run.stop == "stuck":
            skip.add(run.cell)
            restarts.append(_("{cell} did not stop when interrupted after {seconds}; the kernel was "
                              "stopped and the notebook run again without it").format(
                                  cell=label, seconds=_seconds(cell_timeout)))
        else:
            offending = sorted({*run.timed_out, *([run.cell] if run.cell is not None else [])})
            skip.update(offending)
            names = ", ".join(_cell_label(nb, i) for i in offending) or _("none")
            restarts.append(_("the notebook ran past its {seconds} limit in {cell}; the kernel was "
                              "stopped and the notebook run again without the slow cells: "
                              "{cells}").format(seconds=_seconds(timeout), cell=label, cells=names))
    entry["notes"].extend(restarts)
    if run.stop is not None:
        return fail(_("gave up after {count} reruns").format(count=MAX_RETRIES))
    entry["notes"].extend(_("{cell} timed out after {seconds} and was interrupted").format(
        cell=_cell_label(nb, i), seconds=_seconds(cell_timeout)) for i in run.timed_out)
    entry["notes"].extend(_error_notes(nb, run.errors))
    if run.results is None:
        return fail(run.grading_problem or _("no result from the grader"))
    entry["results"] = run.results
    entry["seconds"] = round(time.monotonic() - start, 3)
    return entry


def _error_notes(nb, errors) -> list[str]:
    notes = []
    for i, ename, evalue in errors[:_MAX_ERROR_NOTES]:
        shown = f": {evalue.splitlines()[0][:200]}" if ename in _SAFE_MESSAGES and evalue else ""
        notes.append(_("{cell} raised {error}").format(cell=_cell_label(nb, i), error=ename) + shown)
    if len(errors) > _MAX_ERROR_NOTES:
        notes.append(_("... and {count} more cells raised an error").format(
            count=len(errors) - _MAX_ERROR_NOTES))
    return notes


def grade_submission(task: dict, shared: dict) -> dict:
    """Grade one student's submission; the worker's function (see the module docstring).

    Parameters
    ----------
    task : dict
        ``student``, ``seed`` (the student's), ``source`` (their folder or notebook file),
        ``is_file``, ``notebooks`` (``[{"file": relative path, "notebook": "05"}]``), and
        optionally ``files`` (``{relative path: bytes}``, shipped to a cluster).
    shared : dict
        ``grader`` (source defining ``grade_namespace``), ``cell_timeout``, ``timeout`` (s,
        one run of one notebook), ``submission_timeout`` (s, the whole submission), ``templates`` (``{"05": [{"id", "kind", "title",
        "max_points"}]}``, the items of each notebook, for placeholders).

    Returns
    -------
    dict
        ``{"student", "seed", "notebooks": [...], "seconds"}``, one entry per notebook as
        :func:`grade_notebook` returns it. Never raises for anything a notebook does.
    """
    start = time.monotonic()
    deadline = start + shared.get("submission_timeout", float("inf"))
    notebooks = []
    for item in task["notebooks"]:
        template = shared["templates"].get(item["notebook"])
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            limit = _seconds(shared["submission_timeout"])
            notebooks.append({"notebook": item["notebook"], "file": item["file"], "status": "error",
                              "notes": [_("not run: the submission's {seconds} limit was used up "
                                          "by the notebooks before it").format(seconds=limit)],
                              "results": placeholder_results(template, _("not scored: time limit")),
                              "seconds": 0.0})
            continue
        try:
            entry = grade_notebook(task, item["file"], item["notebook"], grader=shared["grader"],
                                   cell_timeout=shared["cell_timeout"],
                                   timeout=min(shared["timeout"], remaining), template=template)
        except Exception as exc:  # a bug of ours, or the machine: the submission's own result
            entry = {"notebook": item["notebook"], "file": item["file"], "status": "error",
                     "notes": [_("grading failed: {detail}").format(detail=f"{type(exc).__name__}: {exc}")],
                     "results": placeholder_results(shared["templates"].get(item["notebook"]),
                                                    _("not scored: grading failed")), "seconds": 0.0}
        notebooks.append(entry)
    return {"student": task["student"], "seed": task["seed"], "notebooks": notebooks,
            "seconds": round(time.monotonic() - start, 3)}
