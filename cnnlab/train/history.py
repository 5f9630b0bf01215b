"""The record of a training run: loss, accuracy and learning rate per step and per epoch."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np

from .._io import atomic_write
from .._options import plural

__all__ = ["History", "STEP_FIELDS", "EPOCH_FIELDS"]

#: One row per optimizer step. ``epoch`` is the progress at the end of the step,
#: in epochs (``2.5``: halfway through the third epoch), the x-axis that lines
#: steps up with epochs.
STEP_FIELDS = ("step", "epoch", "loss", "acc", "lr")

#: One row per epoch. ``epoch`` counts completed epochs (1 for the first);
#: ``train_*`` are averages over the epoch's mini-batches (in train mode, while
#: the weights were changing); ``val_*`` and ``test_*`` are measured after the
#: epoch in eval mode, None without that split; ``lr`` is the rate of the
#: epoch's last step; ``seconds`` the training time of the epoch.
EPOCH_FIELDS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
                "lr", "seconds")


def _number(value):
    """A JSON-safe number: None for None or NaN, int for ints, else float."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    value = float(value)
    return None if math.isnan(value) else value


class History:
    """Per-step and per-epoch metrics of a run, as lists you can plot.

    Attributes
    ----------
    steps : dict of list
        ``steps["loss"][i]`` is the mini-batch loss of step ``i``; keys
        :data:`STEP_FIELDS`.
    epochs : dict of list
        ``epochs["val_acc"][k]`` is the validation accuracy after epoch
        ``k + 1``; keys :data:`EPOCH_FIELDS`. Missing values are None.
    stopped : str or None
        Set by :func:`~cnnlab.train.fit` when training ended early: why, and
        how far it got (``"stopped after 748 steps (epoch 2 of 5, batch 122 of
        938): ..."``); None after a full run. Not saved in files.

    Examples
    --------
    >>> h = History()
    >>> h.log_step(step=1, epoch=0.5, loss=2.3, acc=0.1, lr=0.01)
    >>> h.log_epoch(epoch=1, train_loss=2.0, train_acc=0.3, lr=0.01)
    >>> h.last("train_acc"), h.epochs["val_acc"]
    (0.3, [None])
    >>> History.from_json(h.to_json()).epochs == h.epochs
    True
    """

    def __init__(self):
        self.steps: dict[str, list] = {field: [] for field in STEP_FIELDS}
        self.epochs: dict[str, list] = {field: [] for field in EPOCH_FIELDS}
        self.stopped: str | None = None

    # -- recording ------------------------------------------------------------------------
    def log_step(self, *, step, epoch, loss, acc, lr) -> None:
        """Append one step's values (all required)."""
        steps = self.steps
        steps["step"].append(int(step))
        steps["epoch"].append(float(epoch))
        steps["loss"].append(float(loss))
        steps["acc"].append(float(acc))
        steps["lr"].append(float(lr))

    def log_epoch(self, **values) -> None:
        """Append one epoch's values; fields not given are None, unknown fields raise."""
        unknown = sorted(set(values) - set(EPOCH_FIELDS))
        if unknown:
            raise ValueError(f"History.log_epoch: unknown fields {unknown}; expected some of "
                             f"{list(EPOCH_FIELDS)}")
        if "epoch" not in values:
            raise ValueError("History.log_epoch: the field 'epoch' is required")
        for field in EPOCH_FIELDS:
            self.epochs[field].append(_number(values.get(field)))

    # -- reading --------------------------------------------------------------------------
    @property
    def num_epochs(self) -> int:
        """Number of epochs recorded."""
        return len(self.epochs["epoch"])

    @property
    def num_steps(self) -> int:
        """Number of steps recorded."""
        return len(self.steps["step"])

    def last(self, field: str):
        """The latest per-epoch value of ``field`` (e.g. ``"val_acc"``), or None."""
        if field not in self.epochs:
            raise KeyError(f"History.last: unknown field {field!r}; expected one of {list(EPOCH_FIELDS)}")
        column = self.epochs[field]
        return column[-1] if column else None

    # -- plain data -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """``{"steps": {...}, "epochs": {...}}`` of lists (copies), JSON-ready."""
        return {"steps": {k: list(v) for k, v in self.steps.items()},
                "epochs": {k: list(v) for k, v in self.epochs.items()}}

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """Rebuild from :meth:`to_dict`; the field names must match."""
        history = cls()
        for part, fields in (("steps", STEP_FIELDS), ("epochs", EPOCH_FIELDS)):
            columns = data.get(part)
            if not isinstance(columns, dict) or set(columns) != set(fields):
                got = sorted(columns) if isinstance(columns, dict) else type(columns).__name__
                raise ValueError(f"History.from_dict: expected {part!r} with the fields "
                                 f"{list(fields)}, got {got}")
            lengths = {len(columns[f]) for f in fields}
            if len(lengths) != 1:
                raise ValueError(f"History.from_dict: the {part!r} columns have different lengths")
            getattr(history, part).update({f: [_number(v) for v in columns[f]] for f in fields})
        return history

    def to_arrays(self) -> dict[str, np.ndarray]:
        """float64 arrays named ``"steps/loss"``, ``"epochs/val_acc"``... (None becomes NaN)."""
        arrays = {}
        for part in ("steps", "epochs"):
            for field, column in getattr(self, part).items():
                arrays[f"{part}/{field}"] = np.array([np.nan if v is None else v for v in column],
                                                     dtype=np.float64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict) -> History:
        """Rebuild from :meth:`to_arrays` (NaN becomes None; step and epoch counts become ints)."""
        data = {"steps": {}, "epochs": {}}
        for part, fields in (("steps", STEP_FIELDS), ("epochs", EPOCH_FIELDS)):
            for field in fields:
                key = f"{part}/{field}"
                if key not in arrays:
                    raise ValueError(f"History.from_arrays: missing {key!r}")
                values = np.asarray(arrays[key], dtype=np.float64).tolist()
                if field == "step" or (part == "epochs" and field == "epoch"):
                    values = [int(v) for v in values]
                data[part][field] = values
        return cls.from_dict(data)

    # -- files ----------------------------------------------------------------------------
    def to_json(self, path=None, *, indent=None) -> str:
        """The history as JSON text; also written to ``path`` if given.

        Missing values, and infinities (which JSON cannot hold), are ``null``.
        The file is replaced atomically (never half-written).
        """
        data = self.to_dict()
        for part in data.values():
            for column in part.values():
                column[:] = [None if isinstance(v, float) and not math.isfinite(v) else v for v in column]
        text = json.dumps(data, indent=indent, allow_nan=False)
        if path is not None:
            atomic_write(path, text)
        return text

    @classmethod
    def from_json(cls, text_or_path) -> History:
        """Read JSON text, or a ``.json`` file given as a ``pathlib.Path``."""
        text = (Path(text_or_path).read_text(encoding="utf-8") if isinstance(text_or_path, Path)
                else text_or_path)
        return cls.from_dict(json.loads(text))

    def to_csv(self, path=None, *, which: str = "epochs") -> str:
        """One row per epoch (``which="epochs"``) or per step (``"steps"``), as CSV text.

        Missing values are empty cells. Also written to ``path`` if given
        (replaced atomically, never half-written).
        """
        if which not in ("epochs", "steps"):
            raise ValueError(f"History.to_csv: expected which='epochs' or 'steps', got {which!r}")
        columns = getattr(self, which)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in zip(*columns.values()):
            writer.writerow(["" if v is None else repr(v) for v in row])
        text = buffer.getvalue()
        if path is not None:
            atomic_write(path, text)
        return text

    def __repr__(self) -> str:
        if not self.num_epochs:
            return f"History({plural(self.num_steps, 'step')}, no epoch yet)"
        last = ", ".join(f"{k}={self.last(k):.4g}" for k in EPOCH_FIELDS[1:7] if self.last(k) is not None)
        return (f"History({plural(self.num_epochs, 'epoch')}, {plural(self.num_steps, 'step')}; "
                f"last: {last})")
