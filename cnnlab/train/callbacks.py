"""Callbacks: code that :func:`~cnnlab.train.fit` runs at fixed points of training.

A callback is an object with any of these methods (subclass :class:`Callback`
to get empty defaults), or a plain function, which is then called as
``on_epoch_end``::

    on_train_begin(history, model)
    on_epoch_begin(epoch, history, model)     # epoch: 1 for the first
    on_step_end(step, history, model)         # after every optimizer step
    on_epoch_end(epoch, history, model)       # after the epoch's evaluation
    on_train_end(history, model)

``epoch`` counts from 1 (the epoch about to start or just finished, as in the
progress bar and ``history.epochs["epoch"]``); ``step`` counts optimizer steps
from 1 over the whole run. Raise :class:`StopTraining` in ``on_step_end`` to
end training after that step (a stop button: no evaluation or checkpoint of
the unfinished epoch), or in ``on_epoch_end`` to end it after that epoch (its
checkpoint is still written). Either way ``fit`` returns the history so far,
and ``history.stopped`` says how far it got.

Callbacks are not saved in checkpoints: a resumed run starts them afresh.

:class:`EarlyStopping` is given to ``fit(early_stopping=...)`` rather than as
a callback, because its state travels in the checkpoint.
"""

from __future__ import annotations

import math

import numpy as np

from .._options import check_int, check_real, reject_unknown, scalar
from ..i18n import _

__all__ = ["Callback", "StopTraining", "EarlyStopping", "as_callbacks"]

HOOKS = ("on_train_begin", "on_epoch_begin", "on_step_end", "on_epoch_end", "on_train_end")


class StopTraining(Exception):
    """Raise in ``on_step_end`` to stop training after that step, in ``on_epoch_end`` after that epoch.

    The message, if any, is added to ``history.stopped``.
    """


class Callback:
    """Base class with a do-nothing method for every hook."""

    def on_train_begin(self, history, model):
        pass

    def on_epoch_begin(self, epoch, history, model):
        pass

    def on_step_end(self, step, history, model):
        pass

    def on_epoch_end(self, epoch, history, model):
        pass

    def on_train_end(self, history, model):
        pass


class _FunctionCallback(Callback):
    def __init__(self, function):
        self.function = function

    def on_epoch_end(self, epoch, history, model):
        self.function(epoch, history, model)

    def __repr__(self):
        return f"on_epoch_end({getattr(self.function, '__name__', self.function)!r})"


def as_callbacks(callbacks, func: str = "fit") -> list:
    """Check a sequence of callbacks; wrap plain functions as ``on_epoch_end`` callbacks."""
    if callbacks is None:
        return []
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(f"{func}: expected callbacks to be a list or tuple of callbacks, got "
                        f"{type(callbacks).__name__}")
    checked = []
    for index, callback in enumerate(callbacks):
        if any(callable(getattr(callback, hook, None)) for hook in HOOKS):
            checked.append(callback)
        elif callable(callback):
            checked.append(_FunctionCallback(callback))
        else:
            raise TypeError(f"{func}: callbacks[{index}] ({type(callback).__name__}) has none of the "
                            f"methods {list(HOOKS)} and is not a function")
    return checked


def overrides(callback, hook: str) -> bool:
    """True if ``callback`` has ``hook`` and it is not :class:`Callback`'s empty default."""
    method = getattr(type(callback), hook, None)
    if method is None:
        return callable(getattr(callback, hook, None))
    return method is not getattr(Callback, hook, None)


class EarlyStopping:
    """Stop when a monitored metric has stopped improving.

    After every epoch, ``update`` compares the metric with the best so far; an
    improvement must beat it by more than ``min_delta``. After ``patience``
    epochs without improvement, training stops, and with ``restore_best`` the
    model gets back the weights (and buffers) of the best epoch.

    Parameters
    ----------
    monitor : str
        A per-epoch field of :class:`~cnnlab.train.History`: ``"val_loss"``
        (default), ``"val_acc"``, ``"train_loss"``...
    patience : int >= 1
        Epochs without improvement tolerated.
    min_delta : float >= 0
    mode : {"auto", "min", "max"}
        ``"auto"``: minimise a loss, maximise anything else.
    restore_best : bool
        When stopping early, load the best epoch's weights into the model.
        (A run that uses all its epochs keeps its last weights.)

    Attributes
    ----------
    best_value : float
        NaN before the first epoch.
    best_epoch : int
        0 before the first epoch.
    wait : int
        Epochs since the last improvement.
    stopped_epoch : int
        The epoch at which it stopped training, 0 if it did not.
    """

    _settings = ("monitor", "patience", "min_delta", "mode", "restore_best")

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto",
                 restore_best=True, **unknown):
        reject_unknown("EarlyStopping", unknown, self._settings)
        from .history import EPOCH_FIELDS
        if monitor not in EPOCH_FIELDS[1:]:
            raise ValueError(f"EarlyStopping: unknown monitor {monitor!r}; expected one of "
                             f"{list(EPOCH_FIELDS[1:])}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: unknown mode {mode!r}; expected 'auto', 'min' or 'max'")
        if not isinstance(restore_best, bool):
            raise TypeError(f"EarlyStopping: expected restore_best to be True or False, got {restore_best!r}")
        self.monitor = monitor
        self.patience = check_int("EarlyStopping", "patience", patience, low=1)
        self.min_delta = check_real("EarlyStopping", "min_delta", min_delta, low=0.0)
        self.mode = mode
        self.restore_best = restore_best
        self.reset()

    @property
    def direction(self) -> str:
        """``"min"`` or ``"max"``, resolving ``mode="auto"``."""
        if self.mode != "auto":
            return self.mode
        return "min" if self.monitor.endswith("loss") else "max"

    def reset(self) -> None:
        """Forget everything seen (start of a fresh run)."""
        self.best_value = math.nan
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch = 0
        self.best_state: dict[str, np.ndarray] = {}

    def improved(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta``."""
        if math.isnan(self.best_value):
            return True
        if self.direction == "min":
            return value < self.best_value - self.min_delta
        return value > self.best_value + self.min_delta

    def update(self, epoch: int, history, model) -> bool:
        """Take the epoch's value of ``monitor`` from ``history``; return True to stop.

        Raises ``ValueError`` if the history has no value for the monitored
        field (e.g. ``"val_loss"`` without a validation split).
        """
        value = history.last(self.monitor)
        if value is None:
            raise ValueError(f"EarlyStopping: the history has no {self.monitor!r} for epoch {epoch}; "
                             f"monitor a field that is measured (val_* needs a validation split: "
                             f"load the data with val_size=...)")
        if self.improved(value):
            self.best_value, self.best_epoch, self.wait = float(value), int(epoch), 0
            if self.restore_best:
                self.best_state = model.state_dict()
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = int(epoch)
            return True
        return False

    def restore(self, model) -> None:
        """Load the best epoch's weights into ``model`` (if they were kept)."""
        if self.best_state:
            model.load_state_dict(self.best_state)

    def message(self) -> str:
        """One line saying why and when training stopped."""
        epochs = (_("1 epoch") if self.patience == 1 else
                  _("{count} epochs").format(count=f"{self.patience:,}"))
        text = _("early stopping after epoch {epoch}: {monitor} has not improved for {epochs}; best "
                 "{monitor}={best:.4g} at epoch {best_epoch}").format(
            epoch=self.stopped_epoch, monitor=self.monitor, epochs=epochs, best=self.best_value,
            best_epoch=self.best_epoch)
        if self.restore_best and self.best_state:
            text += _(", whose weights were restored")
        return text

    # -- saving and loading -----------------------------------------------------------------
    def state_dict(self) -> dict:
        """Settings, counters and the best weights (``"best_state.<name>"``), as plain values."""
        state = {key: getattr(self, key) for key in self._settings}
        state.update(best_value=self.best_value, best_epoch=self.best_epoch, wait=self.wait,
                     stopped_epoch=self.stopped_epoch)
        state.update({f"best_state.{name}": value.copy() for name, value in self.best_state.items()})
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore counters and best weights; the settings must equal this object's."""
        where = "EarlyStopping.load_state_dict"
        for key in self._settings:
            if key not in state:
                raise ValueError(f"{where}: missing {key!r}")
            saved = scalar(state[key])
            if saved != getattr(self, key):
                raise ValueError(f"{where}: the state was saved with {key}={saved!r} but this "
                                 f"EarlyStopping has {key}={getattr(self, key)!r}")
        self.best_value = float(scalar(state["best_value"]))
        self.best_epoch = int(scalar(state["best_epoch"]))
        self.wait = int(scalar(state["wait"]))
        self.stopped_epoch = int(scalar(state["stopped_epoch"]))
        self.best_state = {key[len("best_state."):]: np.array(value) for key, value in state.items()
                           if key.startswith("best_state.")}

    def __repr__(self):
        return ("EarlyStopping(" + ", ".join(f"{k}={getattr(self, k)!r}" for k in self._settings) + ")")
