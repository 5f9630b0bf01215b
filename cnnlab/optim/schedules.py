"""Learning-rate schedules: the learning rate as a function of training progress.

A schedule is any callable ``lr = schedule(epoch)``. ``epoch`` is the training
progress measured in epochs, a float: ``0.0`` at the first step, ``2.25`` a
quarter of the way through the third epoch. :func:`cnnlab.train.fit` asks for
the learning rate before **every step** with
``epoch = completed_epochs + step_in_epoch / steps_per_epoch`` and sets
``optimizer.lr`` to the answer, so:

* :class:`StepSchedule`, :class:`ExponentialSchedule` and
  :class:`CosineSchedule` use whole epochs, ``floor(epoch)``: the rate is
  constant within an epoch and changes at epoch boundaries, exactly like a
  PyTorch scheduler stepped once per epoch;
* :class:`LinearWarmup` uses the fraction, so the rate rises at every step
  during the warm-up, then hands over to the schedule it wraps;
* a plain function receives the float too (use ``int(epoch)`` in it for a
  per-epoch rule).

Schedules hold no counter: the rate depends on ``epoch`` alone, which makes
them pure functions, easy to plot (``[s(e) for e in range(20)]``) and trivially
resumable: a checkpoint stores the epoch, and ``state_dict()`` stores a
schedule's settings so that resuming with different ones is caught.

To write your own, subclass :class:`Schedule` and implement ``lr_at``, or
pass any function.

>>> s = ExponentialSchedule(lr=0.1, gamma=0.5)
>>> [s(e) for e in (0, 0.5, 1, 2)]
[0.1, 0.1, 0.05, 0.025]
>>> w = LinearWarmup(s, warmup_epochs=1, start_factor=0.0)
>>> [round(w(e), 4) for e in (0, 0.5, 1, 2)]
[0.0, 0.05, 0.1, 0.05]
"""

from __future__ import annotations

import math
from numbers import Real

from .._options import check_int, check_real, reject_unknown, scalar

__all__ = ["Schedule", "ConstantSchedule", "StepSchedule", "ExponentialSchedule",
           "CosineSchedule", "LinearWarmup", "as_schedule"]


class Schedule:
    """Base class: ``schedule(epoch) -> lr``; subclasses implement :meth:`lr_at`.

    Subclasses list their settings in ``_fields``; :meth:`state_dict` saves
    them and :meth:`load_state_dict` checks them.
    """

    _fields: tuple[str, ...] = ()

    def lr_at(self, epoch: float) -> float:
        """The learning rate at progress ``epoch`` (a float >= 0, in epochs)."""
        raise NotImplementedError

    def __call__(self, epoch) -> float:
        if isinstance(epoch, bool) or not isinstance(epoch, Real) or not epoch >= 0:
            raise ValueError(f"{type(self).__name__}: expected epoch to be a number >= 0 "
                             f"(training progress in epochs), got {epoch!r}")
        return float(self.lr_at(float(epoch)))

    def state_dict(self) -> dict:
        """The schedule's settings as plain scalars: ``{"type": ..., "lr": ..., ...}``."""
        return {"type": type(self).__name__, **{f: getattr(self, f) for f in self._fields}}

    def load_state_dict(self, state: dict) -> None:
        """Check that ``state`` (from :meth:`state_dict`) describes this same schedule.

        A schedule has no counter to restore (the epoch comes from the
        checkpoint), so loading only verifies: a different type or setting
        raises ``ValueError`` naming it.
        """
        where = f"{type(self).__name__}.load_state_dict"
        mine = self.state_dict()
        missing, unexpected = sorted(set(mine) - set(state)), sorted(set(state) - set(mine))
        if missing or unexpected:
            raise ValueError(f"{where}: keys do not match; missing {missing}, unexpected {unexpected}"
                             f" (saved: {scalar(state.get('type'))!r})")
        for key, value in mine.items():
            saved = scalar(state[key])
            if saved != value:
                raise ValueError(f"{where}: the state was saved with {key}={saved!r} but this "
                                 f"schedule has {key}={value!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f}={getattr(self, f)!r}' for f in self._fields)})"


class ConstantSchedule(Schedule):
    """``lr`` at every epoch."""

    _fields = ("lr",)

    def __init__(self, lr, **unknown):
        reject_unknown("ConstantSchedule", unknown, self._fields)
        self.lr = check_real("ConstantSchedule", "lr", lr, low=0.0)

    def lr_at(self, epoch):
        return self.lr


class StepSchedule(Schedule):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs (PyTorch's ``StepLR``).

    ``lr_at(epoch) = lr * gamma ** (floor(epoch) // step_size)``

    Parameters
    ----------
    lr : float >= 0
        The rate of the first ``step_size`` epochs.
    step_size : int >= 1
    gamma : float > 0
    """

    _fields = ("lr", "step_size", "gamma")

    def __init__(self, lr, step_size, gamma=0.1, **unknown):
        reject_unknown("StepSchedule", unknown, self._fields)
        self.lr = check_real("StepSchedule", "lr", lr, low=0.0)
        self.step_size = check_int("StepSchedule", "step_size", step_size, low=1)
        self.gamma = check_real("StepSchedule", "gamma", gamma, low=0.0, low_open=True)

    def lr_at(self, epoch):
        return self.lr * self.gamma ** (math.floor(epoch) // self.step_size)


class ExponentialSchedule(Schedule):
    """Multiply the rate by ``gamma`` after every epoch (PyTorch's ``ExponentialLR``).

    ``lr_at(epoch) = lr * gamma ** floor(epoch)``; e.g. ``gamma=0.95``.

    Parameters
    ----------
    lr : float >= 0
    gamma : float > 0
    """

    _fields = ("lr", "gamma")

    def __init__(self, lr, gamma=0.95, **unknown):
        reject_unknown("ExponentialSchedule", unknown, self._fields)
        self.lr = check_real("ExponentialSchedule", "lr", lr, low=0.0)
        self.gamma = check_real("ExponentialSchedule", "gamma", gamma, low=0.0, low_open=True)

    def lr_at(self, epoch):
        return self.lr * self.gamma ** math.floor(epoch)


class CosineSchedule(Schedule):
    """Cosine annealing from ``lr`` to ``min_lr`` over ``num_epochs`` (``CosineAnnealingLR``).

    ``lr_at(epoch) = min_lr + (lr - min_lr) * (1 + cos(pi * e / num_epochs)) / 2``
    with ``e = min(floor(epoch), num_epochs)``: ``lr`` in the first epoch, then
    lower every epoch, ``min_lr`` from epoch ``num_epochs`` on (PyTorch's
    closed form would rise again after ``num_epochs``; this one stays).

    Parameters
    ----------
    lr : float >= 0
    num_epochs : int >= 1
        Usually the number of training epochs.
    min_lr : float in [0, lr]
    """

    _fields = ("lr", "num_epochs", "min_lr")

    def __init__(self, lr, num_epochs, min_lr=0.0, **unknown):
        reject_unknown("CosineSchedule", unknown, self._fields)
        self.lr = check_real("CosineSchedule", "lr", lr, low=0.0)
        self.num_epochs = check_int("CosineSchedule", "num_epochs", num_epochs, low=1)
        self.min_lr = check_real("CosineSchedule", "min_lr", min_lr, low=0.0, high=self.lr)

    def lr_at(self, epoch):
        e = min(math.floor(epoch), self.num_epochs)
        return self.min_lr + (self.lr - self.min_lr) * (1 + math.cos(math.pi * e / self.num_epochs)) / 2


class LinearWarmup(Schedule):
    """Raise the rate linearly, step by step, then continue with another schedule.

    ``after`` is the schedule that follows (a :class:`Schedule`, any function
    ``epoch -> lr``, or a constant rate). With ``W = warmup_epochs`` and
    ``target = after(0)``::

        lr_at(epoch) = target * (start_factor + (1 - start_factor) * epoch / W)   epoch < W
        lr_at(epoch) = after(epoch - W)                                          epoch >= W

    so the wrapped schedule starts after the warm-up: ``after``'s epoch 0 is
    the first epoch after it. ``W`` may be fractional (``0.5``: half an epoch);
    the rate changes every step during the warm-up since :func:`~cnnlab.train.fit`
    passes fractional epochs.

    Parameters
    ----------
    after : Schedule, callable or float
    warmup_epochs : float > 0
    start_factor : float in [0, 1]
        Fraction of the target rate at the very first step (0.1 by default).
    """

    _fields = ("warmup_epochs", "start_factor")

    def __init__(self, after, warmup_epochs, start_factor=0.1, **unknown):
        reject_unknown("LinearWarmup", unknown, ["after", *self._fields])
        if isinstance(after, Real) and not isinstance(after, bool):
            after = ConstantSchedule(after)
        if not callable(after):
            raise TypeError(f"LinearWarmup: expected after to be a schedule, a function epoch -> lr "
                            f"or a number, got {type(after).__name__}")
        self.after = after
        self.warmup_epochs = check_real("LinearWarmup", "warmup_epochs", warmup_epochs, low=0.0,
                                        low_open=True)
        self.start_factor = check_real("LinearWarmup", "start_factor", start_factor, low=0.0,
                                       high=1.0)

    def lr_at(self, epoch):
        if epoch < self.warmup_epochs:
            fraction = self.start_factor + (1 - self.start_factor) * epoch / self.warmup_epochs
            return self.after(0.0) * fraction
        return self.after(epoch - self.warmup_epochs)

    def state_dict(self) -> dict:
        """Own settings, plus the wrapped schedule's under ``"after.<key>"``.

        A plain function as ``after`` is recorded by name only (``"after"``).
        """
        state = super().state_dict()
        if isinstance(self.after, Schedule):
            state.update({f"after.{k}": v for k, v in self.after.state_dict().items()})
        else:
            state["after"] = getattr(self.after, "__name__", type(self.after).__name__)
        return state

    def __repr__(self) -> str:
        return (f"LinearWarmup({self.after!r}, warmup_epochs={self.warmup_epochs!r}, "
                f"start_factor={self.start_factor!r})")


def as_schedule(schedule, func: str = "as_schedule"):
    """``None``, a :class:`Schedule` or a callable ``epoch -> lr``, checked; else ``TypeError``."""
    if schedule is None or callable(schedule):
        return schedule
    raise TypeError(f"{func}: expected schedule to be None, a cnnlab.optim.schedules.Schedule or a "
                    f"function epoch -> lr, got {type(schedule).__name__}")
