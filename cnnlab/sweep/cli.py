"""Command line: ``python -m cnnlab.sweep ...`` cross-validates a search space and refits the best.

::

    python -m cnnlab.sweep --model lenet5 --dataset mnist-sample --folds 3 \\
        --grid lr=1e-3,3e-3 dropout=0,0.3 --epochs 1 --n-train 1000 --out runs/sweep1 --n-jobs 2
    python -m cnnlab.sweep --model mlp --dataset mnist-sample --random 8 --seed 0 \\
        --grid lr=loguniform:1e-4:1e-2 batch_size=32,64,128 --out runs/sweep2
    python -m cnnlab.sweep ... --scheduler tcp://127.0.0.1:8786     # on a Dask cluster

Every searchable option of the recipe (:mod:`cnnlab.recipe`) has the flag it
has in ``python -m cnnlab train`` and sets the base configuration; ``--grid``
names what is searched. Run the same command again to resume an interrupted sweep.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .._options import check_int, plural
from ..recipe import OPTIONS, ArgumentParser, RecipeError, add_options, check_option, given_options, load_data
from .params import PARAMS
from .results import format_table
from .runner import FILES
from .space import parse_space

__all__ = ["build_parser", "main"]

#: The recipe's data options that a sweep takes (the folds take the validation split's place).
DATA_OPTIONS = ("dataset", "data_dir", "n_train", "n_test")

DESCRIPTION = f"""\
Cross-validate every configuration of a search space with stratified k-fold
cross-validation, in parallel (local processes, or a Dask cluster with
--scheduler), then train the best on the whole training split and score it on
the test split. Writes into --out:
  {", ".join(FILES)}.
Each trial is seeded from --seed and its own configuration and fold, so the
numbers do not depend on the order the trials run in or where. An interrupted
sweep resumes: run the same command again and only the missing trials run.

search space (--grid NAME=VALUES ...):
  NAME=V1,V2,...            a list of values (grid search, or drawn from by --random)
  NAME=uniform:LOW:HIGH     --random only: a real number in [LOW, HIGH)
  NAME=loguniform:LOW:HIGH  --random only: LOW * (HIGH/LOW)**u, u uniform (learning rates)
  NAME=randint:LOW:HIGH     --random only: an integer in LOW..HIGH
  NAME is any training option below (lr, batch_size, dropout, weight_decay, epochs,
  optimizer, activation, model, momentum, batchnorm, ...); its flag then must not be given.

examples:
  python -m cnnlab.sweep --model lenet5 --dataset mnist-sample --folds 3 \\
      --grid lr=1e-3,3e-3 dropout=0,0.3 --epochs 1 --n-train 1000 --out runs/sweep1 --n-jobs 2
  python -m cnnlab.sweep --model mlp --dataset mnist-sample --random 8 --seed 0 \\
      --grid lr=loguniform:1e-4:1e-2 optimizer=sgd,adam --out runs/sweep2
  python -m cnnlab.sweep ... --scheduler tcp://127.0.0.1:8786
"""


class _Error(Exception):
    """A problem with the options, reported without a traceback (exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m cnnlab.sweep`` argument parser."""
    parser = ArgumentParser(prog="python -m cnnlab.sweep", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    g = parser.add_argument_group("search")
    g.add_argument("--grid", "--space", dest="space", nargs="+", metavar="NAME=VALUES",
                   default=[], help="the hyperparameters to search (see above); without it, "
                   "cross-validate the base configuration alone")
    g.add_argument("--random", type=int, metavar="N", help="random search: N distinct "
                   "configurations drawn from the space (default: grid search, every combination)")
    g.add_argument("--folds", type=int, default=5, metavar="K", help="number of cross-validation "
                   "folds, stratified by class (default: 5)")
    g.add_argument("--seed", type=int, default=0, help="seeds the folds, the random search and "
                   "every trial (default: 0)")
    g.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True,
                   help="train the best configuration on the whole training split and score it "
                   "on the test split, into best.json (default: on)")

    add_options(parser.add_argument_group("data"), DATA_OPTIONS, dest_prefix="data_")
    add_options(parser.add_argument_group("training options (the base configuration)"), PARAMS,
                dest_prefix="base_")

    g = parser.add_argument_group("execution")
    g.add_argument("--n-jobs", type=int, metavar="N", help="local worker processes (joblib); "
                   "-1: one per core; 1: one at a time (in a worker process, like the others) "
                   "(default: -1)")
    g.add_argument("--scheduler", metavar="ADDRESS", help="run the trials on the Dask cluster "
                   "whose scheduler is at ADDRESS, e.g. tcp://127.0.0.1:8786 (needs "
                   "pip install 'cnnlab[cluster]'); not with --n-jobs")
    g.add_argument("--eval-batch-size", type=int, default=500, metavar="N", help="batch size "
                   "of evaluation, does not change results (default: 500)")
    g.add_argument("--progress", action=argparse.BooleanOptionalAction, default=True,
                   help="a progress bar with the best score so far (default: on)")

    g = parser.add_argument_group("output")
    g.add_argument("--out", default="runs/sweep", metavar="DIR", help="folder for "
                   f"{', '.join(FILES)}; a folder holding an unfinished run of the same sweep "
                   "resumes it (default: runs/sweep)")
    g.add_argument("--overwrite", action="store_true", help="start afresh, deleting the sweep "
                   "files in --out, even if they belong to another sweep")
    return parser


def _space(args):
    from .space import GridSpace, RandomSpace
    try:
        params = parse_space("--grid", args.space)
    except (TypeError, ValueError) as exc:
        raise _Error(str(exc)) from None
    given = [name for name in params if f"base_{name}" in vars(args)]
    if given:
        raise _Error(f"{', '.join(OPTIONS[n].flag for n in given)} also in --grid; give each option "
                     f"either as a flag (fixed) or in --grid (searched)")
    try:
        if args.random is None:
            ranges = [name for name, v in params.items() if not isinstance(v, list)]
            if ranges:
                raise _Error(f"--grid {ranges[0]}=... is a range; a grid needs a list of values "
                             f"(NAME=V1,V2,...), or add --random N to draw N configurations")
            return GridSpace(params)
        return RandomSpace(params, args.random, seed=args.seed)
    except (TypeError, ValueError) as exc:
        raise _Error(str(exc).replace("RandomSpace: n_trials", "--random")) from None


def _check_flags(args) -> None:
    """The sweep's own numeric flags, named as typed, before anything is loaded."""
    try:
        check_int("sweep", "--folds", args.folds, low=2)
        check_int("sweep", "--random", args.random, low=1, optional=True)
        check_option("sweep", "seed", args.seed, label="--seed")
        check_option("sweep", "eval_batch_size", args.eval_batch_size, label="--eval-batch-size")
    except (TypeError, ValueError) as exc:
        raise _Error(str(exc).split(": ", 1)[-1]) from None
    if args.n_jobs == 0:
        raise _Error("expected --n-jobs >= 1, or -1 for one process per core (-2: all but one...), got 0")


def run(args, *, say=print):
    """Run the sweep described by parsed ``args``; return the :class:`~cnnlab.sweep.SweepResult`."""
    from .runner import Sweep
    from .trial import DATA_TAG
    if args.n_jobs is not None and args.scheduler is not None:
        raise _Error("give --n-jobs or --scheduler, not both: on a Dask cluster its workers "
                     "decide how many trials run at once")
    _check_flags(args)
    try:
        base = given_options("sweep", args, dest_prefix="base_")
        data_options = given_options("sweep", args, dest_prefix="data_")
    except (TypeError, ValueError) as exc:
        raise _Error(str(exc).split(": ", 1)[-1]) from None
    space = _space(args)
    data_rng = np.random.default_rng(np.random.SeedSequence(args.seed, spawn_key=(DATA_TAG,)))
    try:
        data = load_data({**{n: OPTIONS[n].default for n in DATA_OPTIONS}, **data_options,
                          "val_size": 0}, data_rng)
    except RecipeError as exc:
        raise _Error(str(exc)) from None
    try:
        sweep = Sweep(data, space, base=base, n_folds=args.folds, seed=args.seed, out=args.out,
                      eval_batch_size=args.eval_batch_size)
    except (TypeError, ValueError) as exc:
        # "assign_folds: n_folds=300 folds need at least 300 examples, got 200": named as the flag
        raise _Error(str(exc).split(": ", 1)[-1].replace("n_folds=", "--folds ")) from None
    if args.progress:
        say(repr(data))
        say(repr(sweep))
    result = sweep.run(n_jobs=args.n_jobs, client=args.scheduler, refit=args.refit,
                       progress=args.progress, overwrite=args.overwrite)
    say(format_table(result.summary, ["rank", "config", *result.names, "n_folds", "mean_val_acc",
                                      "std_val_acc", "mean_val_loss"], max_rows=20))
    if result.best is not None and result.best.get("test_acc") is not None:
        best = result.best
        say(f"best: config {best['config']} {best['params']}: cv accuracy "
            f"{100 * best['mean_val_acc']:.2f}% +- {100 * best['std_val_acc']:.2f}% over "
            f"{best['n_folds']} folds; refitted on {plural(best['n_train'], 'example')}, test "
            f"accuracy {100 * best['test_acc']:.2f}% ({plural(best['n_test'], 'example')})")
    say(f"{plural(result.n_run, 'trial')} run, {result.n_resumed} read back; wrote "
        f"{', '.join(FILES if args.refit else FILES[:3])} to {args.out}")
    return result


def main(argv=None) -> int:
    """Entry point of ``python -m cnnlab.sweep``; returns the exit status."""
    from ..datasets import DatasetNotFoundError, warnings_as_lines
    from .results import SweepBusyError, SweepMismatchError
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings_as_lines(parser.prog):
            run(args)
    except SweepBusyError as exc:
        parser.exit(2, f"{parser.prog}: error: --out {args.out}: another sweep is running in it "
                       f"(pid {exc.pid or 'unknown'}); wait for it to end, or choose another --out\n")
    except (_Error, SweepMismatchError) as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    except (ValueError, TypeError, FileNotFoundError, ImportError, DatasetNotFoundError) as exc:
        print(f"{parser.prog}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted; the finished trials are in {args.out}/results.csv: run "
              f"the same command again to resume", file=sys.stderr)
        return 130
    return 0
