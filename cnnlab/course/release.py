"""The student edition of the notebooks: ``python -m cnnlab.course release OUT/``.

The teacher edition (``notebooks/``) holds every answer; the cell tags of
:mod:`cnnlab.course` say which. :func:`release` writes a copy for the students,
notebook by notebook, keeping the folder structure (``OUT/extras/...``) and
``README.md``:

* a ``solution`` code cell becomes a stub (:func:`cnnlab.course.stubs.make_stub`):
  signatures and docstrings stay, bodies become ``raise NotImplementedError``,
  question variables become ``...``; its outputs go;
* a ``solution`` markdown cell (a model answer) and a ``teacher-only`` cell are
  left out;
* every other cell keeps its source. Every output is cleared, as nbgrader's
  hand-outs are: a stored output would show the teacher's result of a
  predict-then-run question before the student predicts it. nbval's output
  directives go too (nothing is stored for them to compare; the student edition
  is validated for running top to bottom). No cell keeps its source hidden.

Every cell gets nbgrader metadata, schema version 3, so the release can also be
used with nbgrader: stubs are solution cells, ``check`` cells are locked grade
cells worth the points of what they check, ``answer`` cells are graded markdown
solution cells, and everything else is locked.

The release is built in a temporary folder beside ``OUT`` and renamed into
place, so ``OUT`` holds either the previous release or the complete new one,
never half of one. The source folder is never written to.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

from ..i18n import LANGUAGES, edition_notebooks
from .stubs import checked_ids, make_stub

SOLUTION, CHECK, ANSWER, TEACHER_ONLY = "solution", "check", "answer", "teacher-only"
SCHEMA_VERSION = 3  #: nbgrader's cell metadata schema
DEFAULT_POINTS = 1  #: for an id that the catalogues do not know (yet)


class ReleaseError(Exception):
    """A notebook of the teacher edition cannot be released as it is (a ``solution``
    cell that is not Python, say); the message names the notebook and the cell."""


def default_source(lang: str = "en") -> Path:
    """The ``notebooks/`` folder of the cnnlab checkout this package runs from, or its
    translation ``notebooks/<lang>/`` (built by ``make translations``)."""
    folder = Path(__file__).resolve().parents[2] / "notebooks"
    return folder if lang == LANGUAGES[0] else folder / lang


def _tags(cell: dict) -> set:
    return set(cell.get("metadata", {}).get("tags", []))


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _lines(text: str) -> list[str]:
    # as nbformat writes a source: one string per line, each keeping its newline
    return text.splitlines(keepends=True)


def _grade_id(text: str) -> str:
    """``text`` with every character that nbgrader's grade_id pattern refuses made ``_``."""
    return re.sub(r"[^A-Za-z0-9_\-]", "_", text) or "_"


class _Points:
    """Points of exercises and questions, from the catalogues; ``DEFAULT_POINTS`` for
    an id they do not know, or when a catalogue is not there yet."""

    def __init__(self):
        self.cache = {}

    @staticmethod
    def _lookup(module: str, item_id: str):
        try:
            return importlib.import_module(f"{__package__}.{module}").lookup(item_id).points
        except (ImportError, KeyError, AttributeError):
            return None

    def __call__(self, kind: str, item_id: str) -> int:
        key = (kind, item_id)
        if key not in self.cache:
            # check("id", value) names a question, or an exercise given by its id
            modules = ("catalog",) if kind == "exercise" else ("questions", "answers", "catalog")
            found = (self._lookup(m, item_id) for m in modules)
            self.cache[key] = next((p for p in found if p is not None), DEFAULT_POINTS)
        return self.cache[key]


def _nbgrader(grade_id: str, *, grade=False, solution=False, locked=False, points=None) -> dict:
    """One cell's nbgrader metadata, schema version 3: ``points`` only on grade cells."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": SCHEMA_VERSION, "solution": solution}
    if grade:
        meta["points"] = points
    return meta


def _tidy_metadata(cell: dict, *, stub: bool) -> None:
    """No hidden source anywhere; a stub is never collapsed; no cell keeps the execution
    timings of the teacher's run (every output is cleared)."""
    meta = cell["metadata"]
    jupyter = meta.get("jupyter", {})
    jupyter.pop("source_hidden", None)
    if stub:
        jupyter.pop("outputs_hidden", None)
        meta.pop("collapsed", None)
    if "jupyter" in meta and not jupyter:
        del meta["jupyter"]
    meta.pop("execution", None)


def _without_nbval(source: str) -> str:
    """``source`` without nbval's output directives (``# NBVAL_CHECK_OUTPUT``,
    ``# NBVAL_IGNORE_OUTPUT``); ``NBVAL_SKIP`` and ``NBVAL_RAISES_EXCEPTION`` stay."""
    return "\n".join(line for line in source.split("\n")
                     if not re.fullmatch(r"\s*#\s*NBVAL_(CHECK|IGNORE)_OUTPUT\s*", line))


def _clear(cell: dict) -> None:
    cell["outputs"] = []
    cell["execution_count"] = None


def release_notebook(nb: dict, name: str) -> tuple[dict, dict]:
    """The student edition of one notebook (``nb`` as read from JSON, left untouched),
    and its summary.

    Parameters
    ----------
    nb : dict
        The teacher's notebook, nbformat 4.
    name : str
        Its file name without ``.ipynb`` ("04_convolution_forward"), for the
        cell ids and the messages.

    Returns
    -------
    (dict, dict)
        The released notebook, and ``{"exercises", "questions", "open_questions",
        "checks", "points", "dropped"}``: functions stubbed, question variables
        stubbed, answer cells, check cells, their points, cells left out.
    """
    if nb.get("nbformat") != 4:
        raise ReleaseError(f"{name}: nbformat {nb.get('nbformat')} notebook; expected nbformat 4")
    cells = [copy.deepcopy(c) for c in nb["cells"]]
    stubs, names = {}, {}
    for i, cell in enumerate(cells):  # first pass: stubs, and the exercise id of each function
        tags = _tags(cell)
        if cell["cell_type"] == "code" and SOLUTION in tags and TEACHER_ONLY not in tags:
            try:
                stubs[i] = make_stub(_text(cell["source"]))
            except SyntaxError as exc:
                raise ReleaseError(f"{name}: cell {i} is tagged {SOLUTION!r} but is not Python "
                                   f"(line {exc.lineno}: {exc.msg})") from None
            names.update(stubs[i].names)

    points, used, kept = _Points(), set(), []
    summary = {"exercises": 0, "questions": 0, "open_questions": 0, "checks": 0, "points": 0,
               "dropped": 0}

    def unique(base: str) -> str:
        gid, n = _grade_id(base), 2
        while gid in used:
            gid, n = f"{_grade_id(base)}-{n}", n + 1
        used.add(gid)
        return gid

    for i, cell in enumerate(cells):
        tags, kind = _tags(cell), cell["cell_type"]
        if TEACHER_ONLY in tags or (SOLUTION in tags and kind != "code"):
            summary["dropped"] += 1
            continue
        plain = f"cell-{name}-{i}"
        if i in stubs:
            stub = stubs[i]
            cell["source"] = _lines(stub.source)
            ids = stub.exercises + stub.questions
            meta = _nbgrader(unique("-".join(ids) if ids else plain), solution=True)
            summary["exercises"] += len(stub.exercises)
            summary["questions"] += len(stub.questions)
        elif kind == "code" and CHECK in tags:
            checked = checked_ids(_text(cell["source"]), names)
            worth = sum(points(k, item) for k, item in checked) if checked else DEFAULT_POINTS
            base = "check_" + "-".join(item for _, item in checked) if checked else f"check-{name}-{i}"
            meta = _nbgrader(unique(base), grade=True, locked=True, points=worth)
            summary["checks"] += 1
            summary["points"] += worth
        elif kind == "markdown" and ANSWER in tags:
            summary["open_questions"] += 1
            meta = _nbgrader(unique(f"answer-{name}-{summary['open_questions']}"), grade=True,
                             solution=True, points=DEFAULT_POINTS)
            summary["points"] += DEFAULT_POINTS
        else:
            meta = _nbgrader(unique(plain), locked=True)
        cell.setdefault("metadata", {})["nbgrader"] = meta
        kept.append((i, cell))

    for i, cell in kept:
        if cell["cell_type"] == "code":
            _clear(cell)
            cell["source"] = _lines(_without_nbval(_text(cell["source"])))
        _tidy_metadata(cell, stub=i in stubs)
    out = {key: copy.deepcopy(value) for key, value in nb.items() if key != "cells"}
    out["cells"] = [cell for _, cell in kept]
    return out, summary


def _check_folders(source: Path, out: Path, force: bool) -> None:
    if not source.is_dir():
        raise FileNotFoundError(f"source folder {source} does not exist")
    src, dst = source.resolve(), out.resolve()
    if dst == src or src in dst.parents:
        raise ValueError(f"OUT {out} is inside the source folder {source}: the teacher edition "
                         f"is never written to")
    if dst in src.parents:
        raise ValueError(f"the source folder {source} is inside OUT {out}")
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"OUT {out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise FileExistsError(f"OUT {out} is not empty; add --force to replace it")


def _publish(build, out: Path) -> None:
    """Run ``build(folder)`` on a new temporary folder beside ``out``, then rename that
    folder to ``out`` (replacing what was there); on any failure ``out`` is untouched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    old = out.parent / f".{out.name}.{uuid.uuid4().hex}.old"
    try:
        mask = os.umask(0)
        os.umask(mask)
        tmp.chmod(0o777 & ~mask)  # mkdtemp's folder is private; a release is not
        build(tmp)
        if out.exists():
            os.rename(out, old)
        try:
            os.rename(tmp, out)
        except BaseException:
            if old.exists():
                os.rename(old, out)
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def release(source: Path, out: Path, *, force: bool = False) -> list[dict]:
    """Write the student edition of the notebooks under ``source`` to ``out``.

    Parameters
    ----------
    source : Path
        The teacher edition, ``notebooks/``; only read.
    out : Path
        The folder to write; created, with its parents if needed. It must not
        overlap ``source``.
    force : bool
        Replace an ``out`` that is not empty (the replacement is atomic).

    Returns
    -------
    list of dict
        One per notebook, in path order: ``"notebook"`` (its path under
        ``source``, POSIX style) and the counts of :func:`release_notebook`.

    Raises
    ------
    FileNotFoundError, FileExistsError, ValueError
        ``source`` is missing or has no notebooks, ``out`` is not empty (and
        ``force`` is not set) or overlaps ``source``.
    ReleaseError
        A notebook cannot be released; nothing is written then.
    """
    source, out = Path(source), Path(out)
    _check_folders(source, out, force)
    paths = edition_notebooks(source)
    if not paths:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in the source folder {source}")
    results = []
    for path in paths:  # everything is converted before anything is written
        rel = path.relative_to(source)
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ReleaseError(f"{rel.as_posix()}: not a notebook: {exc}") from None
        student, summary = release_notebook(nb, path.stem)
        results.append((rel, student, {"notebook": rel.as_posix(), **summary}))

    def build(folder: Path) -> None:
        for rel, student, _ in results:
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            for cell in student["cells"]:  # as nbformat writes: sources as lists of lines
                cell["source"] = _lines(_text(cell["source"]))
            text = json.dumps(student, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
            target.write_text(text, encoding="utf-8")
        if (source / "README.md").is_file():
            shutil.copyfile(source / "README.md", folder / "README.md")

    _publish(build, out)
    return [summary for _, _, summary in results]


def summary_line(s: dict) -> str:
    """``04_convolution_forward.ipynb: 2 exercises stubbed, 1 question, 3 cells dropped``."""
    def n(count, word):
        return f"{count} {word}{'' if count == 1 else 's'}"
    questions = s["questions"] + s["open_questions"]
    return (f"{s['notebook']}: {n(s['exercises'], 'exercise')} stubbed, {n(questions, 'question')}, "
            f"{n(s['dropped'], 'cell')} dropped")


__all__ = ["ReleaseError", "default_source", "release", "release_notebook", "summary_line"]
