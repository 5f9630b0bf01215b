"""Command line: ``python -m cnnlab train ...`` trains a model and writes a run folder.

::

    python -m cnnlab train --model lenet5 --dataset mnist --epochs 10 --optimizer adam \\
        --lr 1e-3 --batch-size 64 --seed 0 --out runs/lenet5
    python -m cnnlab train --out runs/lenet5 --resume --epochs 15   # 5 more epochs

This module only parses and prints: the options, their checks and the run
itself are :mod:`cnnlab.recipe`'s (the run folder: :mod:`cnnlab.recipe.run`).
"""

from __future__ import annotations

import argparse
import sys

from .recipe import OPTIONS, ArgumentParser, RecipeError, add_options, given_options, train_run
from .recipe.run import FILES

__all__ = ["main", "build_parser"]

DESCRIPTION = f"""\
Train a model with progress bars, print its final test accuracy, and write a
run folder (--out): {", ".join(FILES)}.

One --seed seeds everything (the validation split, the initial weights and
dropout, the order of the examples): the same command gives the same numbers.

examples:
  python -m cnnlab train --model lenet5 --dataset mnist --epochs 10 --optimizer adam \\
      --lr 1e-3 --batch-size 64 --seed 0 --out runs/lenet5
  python -m cnnlab train --out runs/lenet5 --resume --epochs 15    # 5 more epochs
  python -m cnnlab train --model mlp --dataset mnist-sample --epochs 3 --out runs/quick
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m cnnlab`` argument parser (``train`` subcommand): every recipe option."""
    parser = ArgumentParser(
        prog="python -m cnnlab",
        description="cnnlab: a NumPy CNN built from scratch. Train a model from the shell.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = sub.add_parser(
        "train", help="train a model, write checkpoint, history and plots into --out",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    for title in ("model", "data", "optimizer and schedule", "training", "output"):
        group = train.add_argument_group(title)
        add_options(group, [name for name, option in OPTIONS.items() if option.group == title])
    group.add_argument("--resume", action="store_true", help="continue the run in --out from its "
                   "checkpoint, with its saved options; only --epochs, --eval-batch-size, "
                   "--checkpoint-every, --progress and --data-dir may change")
    group.add_argument("--overwrite", action="store_true", help="start afresh even if --out already "
                   "holds a run")
    return parser


def main(argv=None) -> int:
    """Entry point of ``python -m cnnlab``; returns the exit status."""
    from .datasets import DatasetNotFoundError, warnings_as_lines
    from .train import DivergedError
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"{parser.prog} {args.command}"
    try:
        given = given_options(prog, args)
    except (TypeError, ValueError) as exc:
        parser.exit(2, f"{prog}: error: {str(exc).split(': ', 1)[-1]}\n")
    try:
        with warnings_as_lines(prog):  # the sample fallback in one line, with flags for advice
            train_run(given, resume=args.resume, overwrite=args.overwrite)
    except RecipeError as exc:
        parser.exit(2, f"{prog}: error: {exc}\n")
    except (ValueError, TypeError, OSError, DatasetNotFoundError, DivergedError) as exc:
        print(f"{prog}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted; the run folder's checkpoint keeps the last epoch it saved: "
              f"continue with --resume", file=sys.stderr)
        return 130
    return 0
