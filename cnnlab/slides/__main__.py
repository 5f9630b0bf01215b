"""``python -m cnnlab.slides``: tag the notebooks' cells with slide types, build the decks.

::

    python -m cnnlab.slides build [NOTEBOOK ...] [--out slides] [--node-modules node_modules]
    python -m cnnlab.slides tag NOTEBOOK ... [--check]

Without notebooks, ``build`` takes every ``*.ipynb`` under ``notebooks/``.
``tag --check`` changes nothing and exits 1 if a notebook's slide types differ
from the rules (a cell added since they were applied).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from ..i18n import LANGUAGES, edition_notebooks
from .build import SlidesError, build
from .tags import apply


def _notebooks(parser, given: list[str], lang: str = LANGUAGES[0]) -> list[Path]:
    if not given:
        top = Path("notebooks") if lang == LANGUAGES[0] else Path("notebooks") / lang
        found = edition_notebooks(top)
        if not found:
            parser.error(f"no notebooks given and none found under {top}/ (run it from the "
                         f"project folder{'; make translations builds them' if top.name == lang else ''})")
        return found
    paths = [Path(p) for p in given]
    for path in paths:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"{path}: expected an existing .ipynb notebook")
    return paths


def _tag(paths: list[Path], check: bool) -> int:
    stale = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        changed = apply(nb)
        if changed and check:
            stale.append(f"{path}: {changed} cell(s) differ")
        elif changed:
            nbformat.write(nb, path)
            print(f"{path}: slide types of {changed} cell(s) set")
        else:
            print(f"{path}: slide types up to date")
    if stale:
        print("\n".join(stale) + "\nrun `python -m cnnlab.slides tag` on them", file=sys.stderr)
        return 1
    return 0


def main(argv=None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m cnnlab.slides",
                                     description="Slide decks of the cnnlab notebooks.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="write a reveal.js deck of each notebook, openable offline")
    p_build.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                         help="notebooks to build (default: every one under notebooks/)")
    p_build.add_argument("--out", default="slides", help="folder of the decks (default: slides)")
    p_build.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0],
                         help="the edition whose decks to build, when no NOTEBOOK is given: en "
                              "(notebooks/) or zh_CN (notebooks/zh_CN/) (default: %(default)s)")
    p_build.add_argument("--node-modules", default="node_modules",
                         help="where `npm ci` put reveal.js and MathJax (default: node_modules)")
    p_tag = sub.add_parser("tag", help="set every cell's slide type by the rules of cnnlab.slides.tags")
    p_tag.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    p_tag.add_argument("--check", action="store_true", help="change nothing; exit 1 if any differ")
    args = parser.parse_args(argv)
    if args.command == "tag":
        return _tag(_notebooks(parser, args.notebooks), args.check)
    paths = _notebooks(parser, args.notebooks, args.lang)
    try:
        decks = build(paths, Path(args.out), Path(args.node_modules), lang=args.lang)
    except SlidesError as exc:
        print(f"python -m cnnlab.slides build: {exc}", file=sys.stderr)
        return 2
    print(f"{len(decks)} decks in {args.out}/ (open {args.out}/index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
