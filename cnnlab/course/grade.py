"""``python -m cnnlab.course grade SUBMISSIONS/ --out GRADES/``: execute and score submissions.

Layout. ``SUBMISSIONS/<student>/`` holds a student's notebooks (``05_*.ipynb``,
``NN`` the notebook's number) and optionally ``my_layers.py``; a bare
``SUBMISSIONS/<student>.ipynb`` is a one-notebook submission (which notebook it
is comes from its nbgrader cell ids, else from the exercise names in its code).
Students are the folder (or file) names, sorted. A notebook is graded if the
grader has items for its number; one in a subfolder (``extras/``) only if the
student has no graded notebook of that number at the top.

Every notebook runs in a fresh kernel, in a temporary copy of the student's
folder, and is scored there by ``grade_namespace(globals(), "05", seed)``
(:mod:`cnnlab.course.checker`) on fresh random inputs: ``seed`` mixes the batch
seed (``--seed``, else drawn once and recorded in ``GRADES/grading.json``) with
the student's name, so each student gets inputs they never saw, and a regrade
gets the same ones. What can go wrong inside a notebook (loops, crashes, files
that are not notebooks, ...) is handled in :mod:`cnnlab.course.grade_run`, and
ends up in the student's feedback, never as an error of the batch. Which
submissions and notebooks there are: :mod:`cnnlab.course.grade_plan`; which cells
run: :mod:`cnnlab.course.grade_cells`; one run in one kernel:
:mod:`cnnlab.course.grade_kernel`.

Time limits. ``--cell-timeout`` bounds one cell: it is interrupted, and the
notebook goes on. ``--timeout`` bounds one run of one notebook of the submission
(a bare ``<student>.ipynb`` is a submission of one notebook): past it the kernel
is stopped and the notebook run again without its slow cells, so what can be
scored still is. ``--submission-timeout`` bounds a student's whole submission:
a notebook that would start after it is not run, and the feedback says so.

Output, in ``GRADES/``:

* ``results/<student>.json``: one per finished submission, written atomically the
  moment it finishes. A run started again skips the submissions already there
  (same batch seed, same files), so an interrupted batch resumes;
* ``gradebook.csv`` and ``feedback/<student>.md`` (:mod:`cnnlab.course.gradebook`);
* ``grading.json``: the batch seed and options.

Submissions run in parallel, each whole in one worker: local processes (joblib's
loky pool, ``--n-jobs``), or a Dask cluster (``--scheduler ADDRESS``), through
the backends of :mod:`cnnlab.sweep.backends`. On a cluster the files travel with
each task, so the workers need cnnlab and ipykernel, not the submissions folder.
"""

from __future__ import annotations

import contextlib
import json
import math
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

from .._io import atomic_write
from . import gradebook
from .grade_plan import Submission, _plan, _Templates, find_submissions, student_seed
from .grade_run import DEFAULT_GRADER, grade_submission

__all__ = ["GradeError", "GraderUnavailable", "Submission", "find_submissions", "student_seed", "grade_submissions",
           "main_grade"]

PROG = "python -m cnnlab.course grade"
SETTINGS = "grading.json"


class GradeError(Exception):
    """A mistake of the caller's (a missing folder, a bad option): one line, exit status 2."""


class GraderUnavailable(RuntimeError):
    """The grader's source does not load here (the checker is missing or broken): exit status 1."""


def _batch_seed(out: Path, seed) -> int:
    settings = out / SETTINGS
    recorded = None
    if settings.exists():
        try:
            recorded = int(json.loads(settings.read_text(encoding="utf-8"))["seed"])
        except (ValueError, KeyError, TypeError):
            recorded = None
    if recorded is not None and seed is not None and int(seed) != recorded:
        raise GradeError(f"{out} holds grades made with --seed {recorded}; to resume them pass "
                         f"--seed {recorded}, to grade with seed {seed} choose another --out folder")
    if recorded is not None:
        return recorded
    return int(seed) if seed is not None else secrets.randbelow(2**32)


def _load_result(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _finish(raw: dict, task: dict, batch_seed: int) -> dict:
    """A worker's result, with what the batch knows: notes, seeds, fingerprint, time."""
    return {"student": task["student"], "batch_seed": batch_seed, "seed": task["seed"],
            "fingerprint": task["fingerprint"], "notes": task["notes"],
            "notebooks": raw.get("notebooks", []), "seconds": raw.get("seconds", 0.0),
            "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def _backend(n_jobs: int, scheduler):
    from ..sweep.backends import make_backend
    if scheduler is None:
        return make_backend(n_jobs=n_jobs)
    try:
        return make_backend(client=scheduler)
    except ImportError:
        raise
    except Exception as exc:
        raise GradeError(f"--scheduler: cannot reach a Dask scheduler at {scheduler!r} "
                         f"({type(exc).__name__}: {exc}); expected an address such as "
                         f"tcp://host:8786") from None


def grade_submissions(submissions, out, *, n_jobs: int = 2, scheduler=None, cell_timeout: float = 120,
                      timeout: float = 900, submission_timeout: float = 3600, seed=None,
                      progress: bool = True,
                      grader: str | None = None, echo=print) -> dict:
    """Grade every submission in ``submissions`` into ``out``; see the module docstring.

    Parameters
    ----------
    submissions, out : path
    n_jobs : int
        Local worker processes (ignored with ``scheduler``).
    scheduler : str, optional
        A Dask scheduler's address: run on that cluster instead.
    cell_timeout : float
        Seconds a cell may run before it is interrupted.
    timeout : float
        Seconds one run of one notebook may take before its kernel is stopped.
    submission_timeout : float
        Seconds one student's whole submission may take: a notebook that would start
        after that is not run, and says so.
    seed : int, optional
        Batch seed; default: the one recorded in ``out``, else a random one (recorded).
    grader : str, optional
        Python source that defines ``grade_namespace``; default :data:`DEFAULT_GRADER`,
        the course's checker.
    echo : callable
        Where the summary lines go.

    Returns
    -------
    dict
        ``{"students", "graded", "skipped", "failed", "seed", "seconds"}``; ``failed``
        lists the students a broken worker left ungraded (run again to grade them).
    """
    start = time.monotonic()
    grader = DEFAULT_GRADER if grader is None else grader
    submissions, out = Path(submissions), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    batch_seed = _batch_seed(out, seed)
    found, warnings = find_submissions(submissions, exclude=out)
    if not found:
        raise GradeError(f"no submissions in {submissions}: expected one folder per student "
                         f"holding NN_*.ipynb notebooks, or one <student>.ipynb per student")
    for line in warnings:
        echo(f"warning: {line}")
    try:
        templates = _Templates(grader)
    except Exception as exc:
        raise GraderUnavailable(f"the grader cannot be loaded: {type(exc).__name__}: {exc}") from exc
    atomic_write(out / SETTINGS, json.dumps({"seed": batch_seed, "cell_timeout": cell_timeout,
                                             "timeout": timeout}, indent=1) + "\n")
    (out / "results").mkdir(exist_ok=True)
    results, todo, skipped = {}, [], 0
    for sub in found:
        task = _plan(sub, templates)
        task["seed"] = student_seed(batch_seed, sub.student)
        old = _load_result(out / "results" / f"{sub.student}.json")
        if old and old.get("batch_seed") == batch_seed and old.get("fingerprint") == task["fingerprint"]:
            results[sub.student] = old
            skipped += 1
        elif not task["notebooks"]:
            results[sub.student] = _save(out, _finish({}, task, batch_seed))
        else:
            todo.append(task)
    if skipped:
        echo(f"skipped {skipped} submission{'s' * (skipped != 1)} already graded in {out / 'results'}")
    shared = {"grader": grader, "cell_timeout": cell_timeout, "timeout": timeout,
              "submission_timeout": submission_timeout,
              "templates": {nb: templates(nb) for t in todo for nb in (i["notebook"] for i in t["notebooks"])}}
    tasks = {t["student"]: t for t in todo}
    failed = []
    if todo:
        if scheduler is not None:  # a cluster may not see this disk: the files travel with the task
            for t in todo:
                root = Path(t["source"]).parent if t["is_file"] else Path(t["source"])
                t["files"] = {rel: (root / rel).read_bytes() for rel in t["files_list"]}
        failed = _run(todo, shared, tasks, results, out, batch_seed, n_jobs, scheduler, progress)
    students = [s.student for s in found]
    all_templates = {nb: templates(nb) for r in results.values() for nb in
                     (e["notebook"] for e in r.get("notebooks", []))}
    for student in students:
        if student in results:
            gradebook.write_feedback(out / "feedback", results[student], results, all_templates)
    gradebook.write_gradebook(out / "gradebook.csv", students, results, all_templates)
    seconds = time.monotonic() - start
    graded = len(todo) - len(failed)
    echo(f"graded {graded} submission{'s' * (graded != 1)} in {seconds:.0f} s"
         + (f" ({seconds / graded:.1f} s each, {_workers(n_jobs, scheduler)})" if graded else "")
         + f"; seed {batch_seed}")
    echo(f"gradebook: {out / 'gradebook.csv'}; feedback: {out / 'feedback'}")
    return {"students": students, "graded": graded, "skipped": skipped, "failed": failed,
            "seed": batch_seed, "seconds": seconds}


def _workers(n_jobs, scheduler) -> str:
    return f"Dask cluster at {scheduler}" if scheduler else f"{n_jobs} worker{'s' * (n_jobs != 1)}"


def _save(out: Path, result: dict) -> dict:
    atomic_write(out / "results" / f"{result['student']}.json", json.dumps(result, indent=1) + "\n")
    return result


def _run(todo, shared, tasks, results, out, batch_seed, n_jobs, scheduler, progress) -> list[str]:
    """Run the tasks on the backend, saving each result as it comes; the students left
    ungraded if the backend broke down (a worker process died)."""
    from tqdm.auto import tqdm

    from ..sweep.trial import TrialError
    backend = _backend(n_jobs, scheduler)
    bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not progress,
               file=sys.stderr)
    try:
        for raw in backend.run(grade_submission, todo, shared):
            task = tasks[raw["student"]]
            results[task["student"]] = _save(out, _finish(raw, task, batch_seed))
            bar.set_postfix_str(task["student"], refresh=False)
            bar.update()
    except TrialError as exc:
        left = [t["student"] for t in todo if t["student"] not in results]
        print(f"{PROG}: grading stopped: {exc}; {len(left)} submission(s) not graded, run the "
              f"same command again to grade them", file=sys.stderr)
        return left
    finally:
        bar.close()
        backend.close()
    return []


# -- the command line ----------------------------------------------------------------------------
def _check_options(args) -> None:
    def number(name, value, flag, integer=False):
        ok = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok or not math.isfinite(value) or value <= 0:
            kind = "a whole number" if integer else "a number of seconds"
            raise GradeError(f"{flag}: expected {kind} > 0, got {value!r}")
    number("n_jobs", args.n_jobs, "--n-jobs", integer=True)
    number("cell_timeout", args.cell_timeout, "--cell-timeout")
    number("timeout", args.timeout, "--timeout")
    number("submission_timeout", args.submission_timeout, "--submission-timeout")
    if args.seed is not None and (isinstance(args.seed, bool) or not isinstance(args.seed, int)
                                  or args.seed < 0):
        raise GradeError(f"--seed: expected a whole number >= 0, got {args.seed!r}")
    if args.scheduler is not None and not (isinstance(args.scheduler, str) and args.scheduler.strip()):
        raise GradeError(f"--scheduler: expected a Dask scheduler address such as "
                         f"tcp://host:8786, got {args.scheduler!r}")
    submissions, out = Path(args.submissions), Path(args.out)
    if not submissions.exists():
        raise GradeError(f"SUBMISSIONS folder {str(submissions)!r} does not exist; expected a folder "
                         f"with one folder (or one .ipynb) per student")
    if not submissions.is_dir():
        raise GradeError(f"SUBMISSIONS {str(submissions)!r} is a file; expected a folder with one "
                         f"folder (or one .ipynb) per student")
    if out.exists() and not out.is_dir():
        raise GradeError(f"--out {str(out)!r} is a file; expected a folder (new or earlier grades)")
    if out.resolve() == submissions.resolve():
        raise GradeError("--out is the SUBMISSIONS folder; expected a folder of its own for the grades")


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """While grading, SIGTERM stops the batch as Ctrl-C does: the workers are stopped (their
    kernels follow), instead of running on without this process."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main_grade(args) -> int:
    """``grade`` of ``python -m cnnlab.course``: exit status 0, 1 (some submissions left
    ungraded, or the grader cannot load), or 2 (a bad folder or option: one line on stderr)."""
    try:
        _check_options(args)
        with _sigterm_as_interrupt():
            summary = grade_submissions(args.submissions, args.out, n_jobs=args.n_jobs,
                                        scheduler=args.scheduler, cell_timeout=args.cell_timeout,
                                        timeout=args.timeout,
                                        submission_timeout=args.submission_timeout, seed=args.seed,
                                        progress=not args.no_progress)
    except GradeError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except GraderUnavailable as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; the finished submissions are saved, run the same command "
              f"again to grade the others", file=sys.stderr)
        return 130
    return 1 if summary["failed"] else 0
