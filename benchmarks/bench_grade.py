"""How long grading takes: a class of submissions, each a copy of the student edition.

Builds ``--n`` submissions (30 by default) in a temporary folder, each a copy of
the whole series, grades them with ``--n-jobs`` local workers (2) exactly as
``python -m cnnlab.course grade`` does (fresh kernels, ``CNNLAB_QUICK=1``), and
prints the wall time and the time per submission.

``--edition answered`` (the default) submits what a class that did all the work hands
back: the student edition (``cnnlab.course release``) with every exercise and question
answered by the teacher's solution, so every checker runs in full on every answer and
grading runs what it runs for a real class (the student's cells and the hand-out cells
they need). ``--edition student`` submits the release as handed out (stubs, each
exercise failing fast); ``--edition teacher`` the teacher edition itself, which has no
nbgrader metadata and so runs whole, demonstrations and training included (the
slowest case, not a class's).

    python benchmarks/bench_grade.py [--n 30] [--n-jobs 2] [--edition answered|student|teacher] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from cnnlab.course.grade import grade_submissions
from cnnlab.i18n import edition_notebooks

ROOT = Path(__file__).resolve().parents[1]


def _answer(student: dict, teacher: dict) -> None:
    """Fill the stubs of one released notebook with the teacher's solutions, in place:
    exercise cells in order, question cells (``qNN_name = ...``) by name."""
    cells = [c for c in teacher["cells"] if c["cell_type"] == "code"]
    solutions = [c for c in cells if "solution" in c["metadata"].get("tags", [])
                 and "".join(c["source"]).lstrip().startswith("@exercise")]
    exercises = []
    for cell in student["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] != "code" or not meta.get("solution"):
            continue
        if "".join(cell["source"]).lstrip().startswith("@exercise"):
            exercises.append(cell)
        else:
            first = "".join(cell["source"]).split("=", 1)[0].strip()   # "q04_num_params"
            answer = next((c["source"] for c in cells
                           if "".join(c["source"]).lstrip().startswith(f"{first} =")), None)
            cell["source"] = cell["source"] if answer is None else answer
    assert len(exercises) == len(solutions), (len(exercises), len(solutions))
    for cell, solution in zip(exercises, solutions):
        cell["source"] = solution["source"]


def submission(folder: Path, edition: str) -> str:
    """Write one student's copy of the series to ``folder``; say what it is."""
    if edition in ("student", "answered"):
        from cnnlab.course.release import release

        release(ROOT / "notebooks", folder)
        if edition == "student":
            return "the student edition, stubs unanswered"
        for path in sorted(folder.rglob("*.ipynb")):
            student = json.loads(path.read_text(encoding="utf-8"))
            _answer(student, json.loads((ROOT / "notebooks" / path.relative_to(folder)).read_text(encoding="utf-8")))
            path.write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return "the student edition with every answer filled in"
    folder.mkdir(parents=True)
    for path in edition_notebooks(ROOT / "notebooks"):
        target = folder / path.relative_to(ROOT / "notebooks")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return "the teacher edition, every exercise answered"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="submissions (default: 30)")
    parser.add_argument("--n-jobs", type=int, default=2, help="local workers (default: 2)")
    parser.add_argument("--cell-timeout", type=float, default=120.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--edition", choices=["answered", "student", "teacher"], default="answered",
                        help="what each student submits (default: %(default)s)")
    parser.add_argument("--keep", metavar="DIR", help="build and grade in DIR and keep it "
                        "(default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    if args.n < 1 or args.n_jobs < 1:
        parser.error("--n and --n-jobs must be at least 1")

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cnnlab-bench-grade-"))
    try:
        template = work / "edition"
        if template.exists():
            shutil.rmtree(template)
        origin = submission(template, args.edition)
        subs, out = work / "SUBMISSIONS", work / "GRADES"
        for folder in (subs, out):
            if folder.exists():
                shutil.rmtree(folder)
        for i in range(args.n):
            shutil.copytree(template, subs / f"student{i:03d}")
        n_notebooks = len(list(template.rglob("*.ipynb")))
        print(f"{args.n} submissions of {n_notebooks} notebooks each ({origin}), "
              f"{args.n_jobs} workers")
        t0 = time.perf_counter()
        summary = grade_submissions(subs, out, n_jobs=args.n_jobs, cell_timeout=args.cell_timeout,
                                    timeout=args.timeout, seed=0, progress=True, echo=lambda line: None)
        wall = time.perf_counter() - t0
        print(f"wall time: {wall:.1f} s for {summary['graded']} submissions; "
              f"{wall / max(summary['graded'], 1):.1f} s per submission "
              f"({wall * args.n_jobs / max(summary['graded'], 1):.1f} s of one worker each)")
        if summary["failed"]:
            print(f"not graded (a worker died): {', '.join(summary['failed'])}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
