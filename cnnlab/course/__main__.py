"""``python -m cnnlab.course release | grade``: the student edition, and grading.

``release OUT/`` writes the student edition of the teacher's notebooks
(:mod:`cnnlab.course.release`; ``--lang zh_CN`` the Simplified Chinese one); ``grade SUBMISSIONS/ --out GRADES/`` executes and
scores the students' notebooks (:mod:`cnnlab.course.grade`). A bad option stops
with one line naming it, exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..i18n import ENV, LANGUAGES, set_language

PROG = "python -m cnnlab.course"


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line, ``prog: error: message``, exit 2:
    no usage block to scroll past, no traceback."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {kind.__name__}, got {text!r}")
        return value
    return parse


def _release(args, parser) -> int:
    from .release import ReleaseError, default_source, release, summary_line

    source = Path(args.source) if args.source else default_source(args.lang)
    if not args.source and not source.is_dir():
        parser.error(f"--lang {args.lang}: the {args.lang} notebooks ({source}) are not built; "
                     f"run make translations")
    try:
        summaries = release(source, Path(args.out), force=args.force)
    except (FileNotFoundError, FileExistsError, ValueError) as exc:
        parser.error(str(exc))
    except ReleaseError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    for summary in summaries:
        print(summary_line(summary))
    print(f"student edition written to {args.out}")
    return 0


def _grade(args, parser) -> int:
    lang = vars(args).pop("lang")
    if lang is not None:  # the grading kernels inherit the environment
        os.environ[ENV] = lang
        set_language(lang)
    try:
        from .grade import main_grade
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.grade":
            raise
        print(f"{parser.prog}: error: grading is not available: the module {exc.name} is missing",
              file=sys.stderr)
        return 1
    status = main_grade(args)
    return 0 if status is None else int(status)


def build_parser() -> argparse.ArgumentParser:
    """The command line: subcommands ``release`` and ``grade``."""
    parser = _Parser(prog=PROG, description="Course mode: release the student edition of the "
                     "notebooks, and grade submissions.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("release", help="write the student edition of the notebooks")
    r.add_argument("out", metavar="OUT", help="folder to write (must be empty or absent)")
    r.add_argument("--source", metavar="FOLDER",
                   help="the teacher edition (default: the notebooks/ folder of this checkout)")
    r.add_argument("--force", action="store_true", help="replace OUT even if it is not empty")
    r.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0],
                   help="the edition to release: en, or the Simplified Chinese zh_CN "
                        "(notebooks/zh_CN/) (default: %(default)s)")
    r.set_defaults(handler=lambda args: _release(args, r))
    g = sub.add_parser("grade", help="execute and score submitted notebooks")
    g.add_argument("submissions", metavar="SUBMISSIONS", help="folder of submissions")
    g.add_argument("--out", required=True, metavar="FOLDER", help="folder for grades and feedback")
    g.add_argument("--n-jobs", type=_positive(int), default=2,
                   help="submissions graded at once (default: %(default)s)")
    g.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address, tcp://host:8786 (default: local processes)")
    g.add_argument("--cell-timeout", type=_positive(float), default=120.0, metavar="SECONDS",
                   help="longest a cell may run (default: %(default)s)")
    g.add_argument("--timeout", type=_positive(float), default=900.0, metavar="SECONDS",
                   help="longest one notebook of a submission may run (default: %(default)s)")
    g.add_argument("--submission-timeout", type=_positive(float), default=3600.0, metavar="SECONDS",
                   help="longest one student's whole submission may run (default: %(default)s)")
    g.add_argument("--seed", type=int, help="seed of the random test cases (default: the one "
                   "recorded in OUT, else a random seed, recorded there)")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument("--lang", choices=LANGUAGES, default=None,
                   help="language of the verdicts and feedback: en or zh_CN (default: the "
                        "CNNLAB_LANG setting, else en); submissions of either edition are "
                        "graded the same")
    g.set_defaults(handler=lambda args: _grade(args, g))
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = vars(args).pop("handler")  # the grader gets its options and nothing else
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
