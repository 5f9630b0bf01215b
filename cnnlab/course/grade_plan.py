"""What a batch grades: the submissions in a folder, and the notebooks of each.

``SUBMISSIONS/<student>/`` holds a student's notebooks (``05_*.ipynb``) and
optionally ``my_layers.py``; a bare ``SUBMISSIONS/<student>.ipynb`` is a
one-notebook submission, whose number comes from its nbgrader cell ids, else
from the exercise names in its code. :func:`_plan` turns a submission into the
task a worker runs (:func:`cnnlab.course.grade_run.grade_submission`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..i18n import _
from .grade_run import IGNORED_DIRS, list_files

NOTEBOOK = re.compile(r"^(\d\d)_.*\.ipynb$")


@dataclass(frozen=True)
class Submission:
    """One student's submission: their folder, or a bare notebook file (``is_file``)."""

    student: str
    path: Path
    is_file: bool = False


def find_submissions(folder, exclude=None) -> tuple[list[Submission], list[str]]:
    """The submissions in ``folder``, sorted by student, and warnings (a name used twice).

    Entries whose name starts with ``.`` or ``_`` (``.ipynb_checkpoints``,
    ``__MACOSX``) and ``exclude`` (the output folder, if it lies inside) are skipped.
    """
    folder = Path(folder)
    exclude = Path(exclude).resolve() if exclude is not None else None
    found, warnings = {}, []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")) or entry.name in IGNORED_DIRS or entry.is_symlink():
            continue
        if exclude is not None and entry.resolve() == exclude:
            continue
        if entry.is_dir():
            if entry.name in found:
                warnings.append(f"{found[entry.name].path.name} ignored: {entry.name}/ is "
                                f"{entry.name}'s submission")
            found[entry.name] = Submission(entry.name, entry)
        elif entry.suffix == ".ipynb" and entry.is_file():
            if entry.stem in found:
                warnings.append(f"{entry.name} ignored: {entry.stem}/ is {entry.stem}'s submission")
            else:
                found[entry.stem] = Submission(entry.stem, entry, is_file=True)
    return [found[name] for name in sorted(found)], warnings


def student_seed(batch_seed: int, student: str) -> int:
    """The seed of ``student``'s test cases: the batch seed and their name, through SHA-256."""
    digest = hashlib.sha256(f"{int(batch_seed)}/{student}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


# -- the grader, in this process: which notebooks are graded, and their items --------------------
class _Templates:
    """The grader's items for each notebook, from ``grade_namespace({}, notebook, 0)``."""

    def __init__(self, grader: str):
        namespace: dict = {}
        exec(compile(grader, "<grader>", "exec"), namespace)
        self._fn = namespace["grade_namespace"]
        self._cache: dict = {}

    def __call__(self, notebook: str) -> list[dict]:
        if notebook not in self._cache:
            items = self._fn({}, notebook, 0) or []
            self._cache[notebook] = [{"id": str(i["id"]), "kind": i.get("kind", "exercise"),
                                      "title": i.get("title", ""),
                                      "max_points": float(i.get("max_points", 0.0))} for i in items]
        return self._cache[notebook]

    def graded(self, notebook: str) -> bool:
        return bool(self(notebook))


def _fingerprint(sub: Submission, files: list[str]) -> str:
    """SHA-256 over the submission's files (names and contents): a changed submission is regraded."""
    root = sub.path.parent if sub.is_file else sub.path
    h = hashlib.sha256()
    for rel in files:
        h.update(rel.encode() + b"\0" + hashlib.sha256((root / rel).read_bytes()).digest())
    return h.hexdigest()


def _guess_notebook(data: bytes, templates: _Templates) -> str | None:
    """Which notebook a bare ``<student>.ipynb`` is: from the ``NN_`` of its nbgrader cell ids
    (``cell-05_convolution_backward-3``), else from the exercise names its code mentions."""
    try:
        cells = json.loads(data.decode("utf-8")).get("cells", [])
    except (ValueError, AttributeError):
        return None
    votes = Counter()
    for cell in cells if isinstance(cells, list) else []:
        gid = str(((cell or {}).get("metadata") or {}).get("nbgrader", {}).get("grade_id", ""))
        match = re.search(r"(?:^|-)(\d\d)_", gid)
        if match:
            votes[match.group(1)] += 1
    for nb, _count in votes.most_common():
        if templates.graded(nb):
            return nb
    code = "\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list)
                     else str(c.get("source", "")) for c in cells if isinstance(c, dict))
    scores = {nb: sum(bool(re.search(rf"\b{re.escape(t['id'])}\b", code)) for t in templates(nb))
              for nb in (f"{i:02d}" for i in range(100))}
    best = max(scores, key=lambda nb: scores[nb])
    return best if scores[best] > 0 else None


def _plan(sub: Submission, templates: _Templates) -> dict:
    """The task of one submission: its files' fingerprint, the notebooks to grade, notes."""
    files = [sub.path.name] if sub.is_file else list_files(sub.path)
    task = {"student": sub.student, "source": str(sub.path), "is_file": sub.is_file,
            "notebooks": [], "notes": [], "fingerprint": _fingerprint(sub, files), "files_list": files}
    if sub.is_file:
        nb = _guess_notebook(sub.path.read_bytes(), templates)
        if nb is None:
            task["notes"].append(_("{file}: could not tell which notebook this is (no nbgrader cell "
                                   "ids, no exercise names); name it NN_*.ipynb in a folder "
                                   "{student}/ to have it graded").format(file=sub.path.name,
                                                                          student=sub.student))
        else:
            task["notebooks"].append({"file": sub.path.name, "notebook": nb})
        return task
    chosen = {}
    candidates = [rel for rel in files if NOTEBOOK.match(rel.rsplit("/", 1)[-1])]
    for rel in sorted(candidates, key=lambda r: (r.count("/"), len(r), r)):
        nb = rel.rsplit("/", 1)[-1][:2]
        if not templates.graded(nb):
            continue
        if nb in chosen:
            task["notes"].append(_("{file} not graded: {chosen} is the notebook {notebook} graded").format(
                file=rel, chosen=chosen[nb], notebook=nb))
            continue
        chosen[nb] = rel
    task["notebooks"] = [{"file": chosen[nb], "notebook": nb} for nb in sorted(chosen)]
    if not chosen:
        task["notes"].append(_("no notebook to grade: expected notebooks named NN_*.ipynb "
                               "(05_convolution_backward.ipynb, ...) of a notebook with exercises"))
    return task


# -- the batch ---------------------------------------------------------------------------------
