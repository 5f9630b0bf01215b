"""What grading writes for people: ``gradebook.csv`` for the lecturer, ``feedback/<student>.md``
for each student.

Both are made from the per-student results (``results/<student>.json``, one
entry per notebook as :func:`cnnlab.course.grade_run.grade_notebook` returns it)
and the *templates*: for each notebook, the items the grader scores, in
catalogue order (``[{"id", "kind", "title", "max_points"}]``).

The gradebook has one row per student and one column per item of every notebook
that at least one student submitted, notebooks in order and items in catalogue
order; a student who did not submit a notebook gets 0 for its items. ``total``
and ``max_total`` close the row. Feedback shows each item's status, points, the
checker's message and diagnosis (which never contain an expected value), and
notes on what happened while the notebook ran.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .._io import atomic_write
from ..i18n import N_, _

__all__ = ["columns", "gradebook_csv", "feedback_markdown", "write_gradebook", "write_feedback",
           "total_points"]

# translated when written, in the language of the grading run (grade --lang, CNNLAB_LANG)
_STATUS_WORDS = {"passed": N_("passed"), "failed": N_("not yet right"),
                 "not attempted": N_("not attempted"), "missing": N_("missing"), "error": N_("error")}


def _number(x: float) -> str:
    return f"{float(x):g}"


def _points(got: float, worth: float) -> str:
    text = _("{got} / {worth} point") if float(worth) == 1 else _("{got} / {worth} points")
    return text.format(got=_number(got), worth=_number(worth))


def columns(results: dict, templates: dict) -> list[dict]:
    """The gradebook's item columns: ``[{"notebook", "id", "max_points"}]``, notebooks sorted,
    each notebook's items in catalogue order (then any item only a result names)."""
    submitted = sorted({e["notebook"] for r in results.values() for e in r.get("notebooks", [])})
    cols = []
    for nb in submitted:
        seen = {}
        for t in templates.get(nb) or []:
            seen[t["id"]] = float(t.get("max_points", 0.0))
        for r in results.values():
            for entry in r.get("notebooks", []):
                if entry["notebook"] == nb:
                    for item in entry.get("results", []):
                        seen[item["id"]] = max(seen.get(item["id"], 0.0), float(item["max_points"]))
        cols.extend({"notebook": nb, "id": i, "max_points": m} for i, m in seen.items())
    return cols


def _points_by_item(result: dict) -> dict:
    return {(e["notebook"], item["id"]): float(item["points"])
            for e in result.get("notebooks", []) for item in e.get("results", [])}


def total_points(result: dict, cols: list[dict]) -> tuple[float, float]:
    """(points, max points) of one student over the gradebook's columns."""
    got = _points_by_item(result)
    return (sum(got.get((c["notebook"], c["id"]), 0.0) for c in cols),
            sum(c["max_points"] for c in cols))


def gradebook_csv(students: list[str], results: dict, templates: dict) -> str:
    """The gradebook as CSV text: ``student``, one column per item id, ``total``, ``max_total``."""
    cols = columns(results, templates)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", *(c["id"] for c in cols), "total", "max_total"])
    for student in students:
        result = results.get(student, {})
        got = _points_by_item(result)
        total, max_total = total_points(result, cols)
        writer.writerow([student, *(_number(got.get((c["notebook"], c["id"]), 0.0)) for c in cols),
                         _number(total), _number(max_total)])
    return buf.getvalue()


def write_gradebook(path, students: list[str], results: dict, templates: dict) -> Path:
    """Write ``gradebook.csv`` atomically; return its path."""
    path = Path(path)
    atomic_write(path, gradebook_csv(students, results, templates))
    return path


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.strip().splitlines())


def feedback_markdown(result: dict, all_results: dict | None = None, templates: dict | None = None) -> str:
    """One student's feedback as Markdown: the total, then per notebook its notes and items.

    ``all_results`` and ``templates`` give the course's columns, so that a notebook
    others submitted and this student did not is listed as not submitted.
    """
    student = result["student"]
    cols = columns(all_results if all_results is not None else {student: result}, templates or {})
    total, max_total = total_points(result, cols)
    lines = [_("# Feedback: {student}").format(student=student), "",
             _("**Total: {points}.**").format(points=_points(total, max_total)), "",
             _("Every function was run on fresh random inputs, different from the ones your "
               "notebook showed, and compared with the library's reference."), ""]
    if result.get("notes"):
        lines += [f"- {note}" for note in result["notes"]] + [""]
    entries = {e["notebook"]: e for e in result.get("notebooks", [])}
    for nb in sorted({c["notebook"] for c in cols} | set(entries)):
        nb_cols = [c for c in cols if c["notebook"] == nb]
        entry = entries.get(nb)
        if entry is None:
            worth = sum(c["max_points"] for c in nb_cols)
            lines += [_("## Notebook {notebook}: not submitted ({points})").format(
                notebook=nb, points=_points(0, worth)), ""]
            continue
        items = entry.get("results", [])
        got = sum(float(i["points"]) for i in items)
        worth = sum(float(i["max_points"]) for i in items)
        lines += [_("## Notebook {notebook} ({file}): {points}").format(
            notebook=nb, file=f"`{entry['file']}`", points=_points(got, worth)), ""]
        if entry.get("notes"):
            lines += [_("What happened when it ran:"), ""]
            lines += [f"- {note}" for note in entry["notes"]] + [""]
        for item in items:
            kind = _("Question") if item.get("kind") == "question" else _("Exercise")
            title = _(": {title}").format(title=item["title"]) if item.get("title") else ""
            status = _(_STATUS_WORDS[item["status"]]) if item["status"] in _STATUS_WORDS else item["status"]
            lines += [f"### {kind} `{item['id']}`{title}", "",
                      _("**{status}**, {points}").format(
                          status=status, points=_points(item["points"], item["max_points"])), ""]
            if item.get("message"):
                lines += [_quote(item["message"]), ""]
            if item.get("diagnosis"):
                lines += [_("Likely mistake: {diagnosis}").format(diagnosis=item["diagnosis"]), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(folder, result: dict, all_results: dict | None = None,
                   templates: dict | None = None) -> Path:
    """Write ``<folder>/<student>.md`` atomically; return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result['student']}.md"
    atomic_write(path, feedback_markdown(result, all_results, templates))
    return path
