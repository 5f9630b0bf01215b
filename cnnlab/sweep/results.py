"""Sweep results on disk and in memory: the trial table, its summary, the best configuration.

``results.csv`` has one row per finished trial, ``(config, fold)``, appended
the moment the trial finishes, so an interrupted sweep loses only the trials
that were running. Each row is written by one ``write`` of a whole line, then
``flush`` and ``fsync``; a crash can leave at most one partial last line, which
:meth:`ResultsFile.open` drops (it truncates the file to its last complete
line). Every row starts with the sweep's fingerprint, so rows of another sweep
are recognised (:class:`SweepMismatchError`). When the sweep completes the file is
rewritten in table order, atomically (:func:`cnnlab._io.atomic_write`).

Floats are written with ``repr``, which reads back to the same float: a table
read back from disk equals the one that was written.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io import atomic_write
from .._options import plural
from .params import format_value, parse_value
from .trial import RESULT_FIELDS

__all__ = ["SweepMismatchError", "SweepBusyError", "ResultsFile", "summarize", "summary_csv", "SweepResult",
           "format_table"]

_INT_FIELDS = ("config", "fold", "n_train", "n_val", "epochs_run")
_TEXT_FIELDS = ("status",)


class SweepMismatchError(ValueError):
    """A results file (or folder) belongs to a different sweep than the one asked to resume."""


class SweepBusyError(RuntimeError):
    """Another sweep is running in the output folder; ``folder`` and ``pid`` (or None) say which."""

    def __init__(self, folder, pid):
        super().__init__(f"{folder} is in use by another sweep (process {pid or 'unknown'}); wait "
                         f"for it to end, or use another output folder")
        self.folder, self.pid = folder, pid


def _csv_line(cells) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return format_value(value)


class ResultsFile:
    """``results.csv`` of one sweep: append rows safely, read them back, check they are ours.

    Parameters
    ----------
    path : str or os.PathLike
    sweep_id : str
        The sweep's fingerprint, written in the first column of every row.
    names : sequence of str
        The searched hyperparameters: their columns follow ``config, fold``.

    The columns are ``sweep, config, fold, <names...>, status, val_acc,
    val_loss, train_acc, train_loss, n_train, n_val, epochs_run, seconds``.
    """

    def __init__(self, path, sweep_id: str, names):
        self.path = Path(path)
        self.sweep_id = sweep_id
        self.names = tuple(names)
        self.columns = ("sweep", "config", "fold", *self.names, *RESULT_FIELDS)
        self._file = None

    def _parse(self, number: int, cells: list) -> dict:
        where = f"{self.path}, line {number}"
        if len(cells) != len(self.columns):
            raise ValueError(f"{where}: expected {len(self.columns)} fields, found {len(cells)}; "
                             f"the file is damaged (only its last line can be cut short)")
        raw = dict(zip(self.columns, cells, strict=True))
        if raw["sweep"] != self.sweep_id:
            raise SweepMismatchError(
                f"{self.path} holds results of another sweep (fingerprint {raw['sweep']!r} on "
                f"line {number}; this sweep's is {self.sweep_id!r}): a different search space, "
                f"seed, number of folds, base configuration or data. Use another output folder, "
                f"or overwrite=True (--overwrite) to start afresh")
        row = {}
        try:
            for name, text in raw.items():
                if name == "sweep":
                    continue
                if name in self.names:
                    row[name] = parse_value("results", name, text)
                elif name in _INT_FIELDS:
                    row[name] = int(text)
                elif name in _TEXT_FIELDS:
                    row[name] = text
                else:
                    row[name] = float(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: cannot read field {name!r} = {text!r} ({exc})") from None
        return row

    def open(self) -> list[dict]:
        """Create the file (with its header) or read it back; keep it open for :meth:`append`.

        A last line without its newline (a write cut short by a crash) is
        dropped, and the file truncated to its last complete line.

        Returns
        -------
        rows : list of dict
            The complete rows already in the file, in file order, typed
            (ints, floats, the hyperparameters' own types); no ``sweep`` key.

        Raises
        ------
        SweepMismatchError
            The file was written by a different sweep: other columns (search
            space) or another fingerprint.
        ValueError
            A damaged line other than the last.
        """
        self.close()
        header = _csv_line(self.columns)
        content = self.path.read_bytes() if self.path.exists() else b""
        complete = content[: content.rfind(b"\n") + 1]
        if len(complete) != len(content):
            with open(self.path, "r+b") as f:  # drop the partial last line
                f.truncate(len(complete))
                f.flush()
                os.fsync(f.fileno())
        rows = []
        if not complete:
            atomic_write(self.path, header)
        else:
            lines = complete.decode("utf-8", errors="replace").splitlines()
            found = tuple(next(csv.reader([lines[0]])))
            if found != self.columns:
                raise SweepMismatchError(
                    f"{self.path} has the columns {list(found)}; this sweep writes "
                    f"{list(self.columns)}: it holds results of another sweep. Use another output "
                    f"folder, or overwrite=True (--overwrite) to start afresh")
            for number, cells in enumerate(csv.reader(lines[1:]), start=2):
                rows.append(self._parse(number, cells))
        self._file = open(self.path, "a", encoding="utf-8", newline="")
        return rows

    def append(self, row: dict) -> None:
        """Append one row (a dict with every column but ``sweep``), durably: write, flush, fsync."""
        if self._file is None:
            raise RuntimeError("ResultsFile.append: call open() first")
        cells = [self.sweep_id] + [_cell(row[c]) for c in self.columns[1:]]
        self._file.write(_csv_line(cells))
        self._file.flush()
        os.fsync(self._file.fileno())

    def rewrite(self, rows) -> None:
        """Replace the file's content with ``rows``, atomically (header first)."""
        self.close()
        text = _csv_line(self.columns) + "".join(
            _csv_line([self.sweep_id] + [_cell(r[c]) for c in self.columns[1:]]) for r in rows)
        atomic_write(self.path, text)

    def close(self) -> None:
        """Close the file if open."""
        if self._file is not None:
            self._file.close()
            self._file = None


_SHOWN = ("mean_val_acc", "std_val_acc", "mean_val_loss")
SUMMARY_FIELDS = ("n_folds", "diverged", "mean_val_acc", "std_val_acc", "mean_val_loss",
                  "std_val_loss", "mean_train_acc", "std_train_acc", "seconds")


def summarize(rows, points) -> list[dict]:
    """Mean and standard deviation over the folds of each configuration, best first.

    Parameters
    ----------
    rows : list of dict
        Trial rows (``config``, ``fold``, ``val_acc``, ...), every fold of every
        configuration in ``points``.
    points : list of dict
        The searched hyperparameters of each configuration, by ``config`` index.

    Returns
    -------
    summary : list of dict, one per configuration
        ``rank`` (1 = best), ``config``, the hyperparameters, ``n_folds``,
        ``diverged`` (folds whose loss became NaN), ``mean_val_acc``,
        ``std_val_acc``, ``mean_val_loss``, ``std_val_loss``,
        ``mean_train_acc``, ``std_train_acc``, ``seconds`` (total). ``std``
        is the population standard deviation over the folds (``ddof=0``, as
        scikit-learn's ``cv_results_``). Sorted by mean validation accuracy,
        highest first; ties go to the lower mean validation loss, then to the
        lower ``config`` index; configurations with a diverged fold come
        last (their means may be NaN).
    """
    by_config = {}
    for row in rows:
        by_config.setdefault(row["config"], []).append(row)
    summary = []
    for config_id, point in enumerate(points):
        trials = by_config.get(config_id, [])
        entry = {"config": config_id, **point, "n_folds": len(trials),
                 "diverged": sum(r["status"] != "ok" for r in trials)}
        for metric in ("val_acc", "val_loss", "train_acc"):
            values = np.array([r[metric] for r in trials], dtype=np.float64)
            entry[f"mean_{metric}"] = float(values.mean()) if values.size else math.nan
            entry[f"std_{metric}"] = float(values.std()) if values.size else math.nan
        entry["seconds"] = float(sum(r["seconds"] for r in trials))
        summary.append(entry)

    def order(entry):
        acc, loss = entry["mean_val_acc"], entry["mean_val_loss"]
        failed = entry["diverged"] > 0 or entry["n_folds"] == 0 or math.isnan(acc)
        return (failed, 0.0 if math.isnan(acc) else -acc,
                math.inf if math.isnan(loss) else loss, entry["config"])

    summary.sort(key=order)
    return [{"rank": rank, **entry} for rank, entry in enumerate(summary, start=1)]


def summary_csv(summary, names) -> str:
    """The text of ``summary.csv``: :func:`summarize`'s rows, floats as ``repr``."""
    columns = ("rank", "config", *names, *SUMMARY_FIELDS)
    return _csv_line(columns) + "".join(_csv_line([_cell(s[c]) for c in columns]) for s in summary)


def _text(value, spec=".4f") -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else (format(value, spec) if spec else f"{value:.4g}")
    return "none" if value is None else str(value)


def format_table(rows, columns, *, max_rows=None) -> str:
    """Rows of dicts as an aligned plain-text table (floats to 4 digits)."""
    rows = list(rows)
    shown = rows if max_rows is None else rows[:max_rows]
    cells = [[_text(r[c], ".4f" if c.endswith(("_acc", "_loss")) else "") for c in columns]
             for r in shown]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    if len(shown) < len(rows):
        lines.append(f"... {len(rows) - len(shown)} more")
    return "\n".join(lines)


@dataclass
class SweepResult:
    """What a sweep found.

    Attributes
    ----------
    rows : list of dict
        One per trial, sorted by ``(config, fold)``: ``config``, ``fold``, the
        searched hyperparameters, then ``status``, ``val_acc``, ``val_loss``,
        ``train_acc``, ``train_loss``, ``n_train``, ``n_val``, ``epochs_run``,
        ``seconds`` (the columns of ``results.csv``, without ``sweep``).
    summary : list of dict
        One per configuration, best first (see :func:`summarize`).
    best : dict or None
        The best configuration: ``config`` (index), ``params`` (searched
        values), ``full_config``, its cross-validation ``mean_val_acc`` and
        ``std_val_acc``, and, after the refit on the whole training split,
        ``test_acc``, ``test_loss``, ``train_acc``, ``n_train``, ``n_test``,
        ``seconds``. None when the sweep ran with ``refit=False``.
    names : tuple of str
        The searched hyperparameters.
    configs : list of dict
        The full configuration of each ``config`` index.
    sweep_id : str
        The fingerprint of the sweep.
    n_run, n_resumed : int
        Trials run by this call, and trials read back from ``results.csv``.
    out : pathlib.Path or None
        The output folder.
    """

    rows: list
    summary: list
    best: dict | None
    names: tuple
    configs: list
    sweep_id: str
    n_run: int = 0
    n_resumed: int = 0
    out: Path | None = None

    @property
    def best_config(self) -> dict | None:
        """The full configuration ranked first (by mean validation accuracy)."""
        return dict(self.configs[self.summary[0]["config"]]) if self.summary else None

    def table(self, which: str = "summary") -> str:
        """The summary (``"summary"``) or every trial (``"rows"``) as plain text."""
        if which == "summary":
            columns = ["rank", "config", *self.names, "n_folds", *_SHOWN]
            return format_table(self.summary, columns)
        if which == "rows":
            columns = ["config", "fold", *self.names, "status", "val_acc", "val_loss", "seconds"]
            return format_table(self.rows, columns)
        raise ValueError(f"SweepResult.table: unknown table {which!r}; expected 'summary' or 'rows'")

    def to_frame(self, which: str = "summary"):
        """The summary or the rows as a ``pandas.DataFrame`` (needs pandas)."""
        if which not in ("summary", "rows"):
            raise ValueError(f"SweepResult.to_frame: unknown table {which!r}; expected 'summary' "
                             f"or 'rows'")
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("SweepResult.to_frame needs pandas (pip install pandas); "
                              "result.summary and result.rows are plain lists of dicts") from None
        return pd.DataFrame(getattr(self, which))

    def __repr__(self):
        head = (f"SweepResult({plural(len(self.configs), 'configuration')} x "
                f"{plural(len({r['fold'] for r in self.rows}), 'fold')} = {plural(len(self.rows), 'trial')}, "
                f"{self.n_run} run now, {self.n_resumed} read back)")
        text = head + "\n" + format_table(
            self.summary, ["rank", "config", *self.names, *_SHOWN], max_rows=10)
        if self.best and self.best.get("test_acc") is not None:
            text += (f"\nbest: config {self.best['config']} {json.dumps(self.best['params'])}, "
                     f"test_acc={self.best['test_acc']:.4f}")
        return text
