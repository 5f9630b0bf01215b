"""``fit``: the training loop, with progress bars, evaluation, checkpoints and resume.

One epoch, in order:

1. draw a fresh permutation of the training set from ``rng`` and cut it into
   mini-batches (every example once per epoch, sampling without replacement);
2. for each batch: augment it if asked (``augment(xb, rng)``), set
   ``optimizer.lr = schedule(progress)``, then :func:`~cnnlab.train.train_step`:
   forward, loss, backward, ``optimizer.step()`` (stop with
   :class:`NonFiniteLossError` if the loss is NaN or infinite, before the bad
   step changes any weight, and with :class:`DivergedError` if after the step a
   gradient, a parameter or the optimizer's state is); record the step in the
   :class:`~cnnlab.train.History`;
3. evaluate on the validation and test splits in eval mode;
4. early stopping, callbacks, and a checkpoint.

A callback can end training early: raising :class:`StopTraining` in
``on_step_end`` stops after that step (a stop button), in ``on_epoch_end``
after that epoch. ``fit`` then returns the history so far, with
``history.stopped`` saying in words how far it got.

The model is switched to train mode for every epoch; when ``fit`` returns (or
raises), every layer gets back the mode it had before.

Nothing but ``rng`` and the model's own generators (dropout) draws random
numbers, evaluation draws none, and everything they hold is saved in the
checkpoint: the same seed gives the same numbers, and a run resumed from
epoch k ends with bit-identical weights to one that never stopped.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .._options import reject_unknown
from ..datasets import iterate_minibatches
from ..i18n import N_, _
from ..layers import Snapshot
from ._setup import Run, checked_run, resume_from
from .callbacks import StopTraining, overrides
from .checkpoint import save_checkpoint
from .evaluate import DEFAULT_BATCH_SIZE, evaluate
from .history import History
from .step import first_non_finite, train_step

__all__ = ["fit", "DivergedError", "NonFiniteLossError"]

_OPTIONS = ("optimizer", "num_epochs", "batch_size", "rng", "schedule", "loss", "callbacks",
            "early_stopping", "checkpoint", "checkpoint_every", "resume", "progress",
            "eval_batch_size", "drop_last", "augment")


class DivergedError(FloatingPointError):
    """Training diverged: the loss, a gradient, a parameter or the optimizer's state became NaN
    or infinite, and training stopped at that step.

    Attributes
    ----------
    step : int
        The step (counted from 1 over the whole run) at which it was found.
    epoch : int
        The epoch it happened in (from 1).
    batch : int
        The batch within the epoch (from 1).
    loss : float
        That step's loss (finite when something else diverged).
    lr : float
    what : str
        What was not finite: ``"the training loss"``, ``"the optimizer state
        exp_avg_sq.conv1.w"``, ``"the gradient of fc1.w"``, ``"the parameter fc3.b"``.
    history : History
        Everything recorded up to the step before.
    """

    def __init__(self, message, *, step, epoch, batch, loss, lr, what, history):
        super().__init__(message)
        self.step, self.epoch, self.batch, self.loss, self.lr = step, epoch, batch, loss, lr
        self.what, self.history = what, history


class NonFiniteLossError(DivergedError):
    """The training loss became NaN or infinite; training stopped before that step's update."""


def _progress_bar(enabled, total, desc):
    if not enabled:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, unit="batch", leave=True, dynamic_ncols=True)


def _say(bar_enabled, text):
    if bar_enabled:
        from tqdm.auto import tqdm
        tqdm.write(text)


#: The words of the progress bar's postfix, translated where shown.
_POSTFIX = {"loss": N_("loss"), "acc": N_("acc"), "val_loss": N_("val_loss"), "val_acc": N_("val_acc"),
            "test_loss": N_("test_loss"), "test_acc": N_("test_acc")}


def _shown(key, value):
    """``loss=0.1234``, the word in the language shown."""
    return f"{_(_POSTFIX[key]) if key in _POSTFIX else key}={value:.4f}"


def _steps(count):
    """``1 step``, ``1,234 steps``, in the language shown."""
    return _("1 step") if count == 1 else _("{count} steps").format(count=f"{count:,}")


def _fmt(value, spec=".4f"):
    return "-" if value is None else format(value, spec)


def _step_end(step_hooks, step, history, model):
    """Run every ``on_step_end``; the :class:`StopTraining` one of them raised, or None."""
    stop = None
    for cb in step_hooks:
        try:
            cb.on_step_end(step, history, model)
        except StopTraining as exc:
            stop = exc
    return stop


def fit(model, data, *, optimizer, num_epochs, batch_size=64, rng, schedule=None, loss=None,
        callbacks=(), early_stopping=None, checkpoint=None, checkpoint_every=1, resume=None,
        progress=True, eval_batch_size=DEFAULT_BATCH_SIZE, drop_last=False, augment=None,
        **unknown) -> History:
    """Train ``model`` on ``data`` for ``num_epochs`` epochs of shuffled mini-batches.

    Parameters
    ----------
    model : cnnlab.layers.Module
        Maps a batch ``(B, 1, 28, 28)`` (or whatever ``data.x_train`` holds) to
        class scores ``(B, K)``. Trained in place.
    data : cnnlab.datasets.Dataset
        Or any object with ``x_train``, ``y_train`` and optionally ``x_val``,
        ``y_val``, ``x_test``, ``y_test`` (None to skip that split).
    optimizer : cnnlab.optim.Optimizer
        Built on ``model``, e.g. ``Adam(model, lr=1e-3)``.
    num_epochs : int >= 1
        Total number of epochs. With ``resume``, the epochs already done count:
        a run saved after 3 epochs and resumed with ``num_epochs=5`` trains 2 more.
    batch_size : int >= 1
    rng : numpy.random.Generator
        Shuffles every epoch; its state is saved in checkpoints.
    schedule : Schedule or callable ``epoch -> lr``, optional
        Asked before every step with the progress in epochs (``2.5`` = halfway
        through the third epoch); see :mod:`cnnlab.optim.schedules`. None
        keeps ``optimizer.lr``.
    loss : loss object, optional
        ``forward(scores, y) -> mean loss`` and ``backward() -> dscores``;
        :class:`~cnnlab.layers.SoftmaxCrossEntropyLoss` by default.
    callbacks : sequence
        Objects with ``on_epoch_end(epoch, history, model)`` and the other
        hooks of :mod:`cnnlab.train.callbacks`, or plain functions (called at
        the end of every epoch), e.g. to redraw a live plot.
    early_stopping : EarlyStopping, optional
        Stops when its monitored metric (default ``val_loss``) stops improving.
    checkpoint : str or os.PathLike, optional
        ``.npz`` file to write every ``checkpoint_every`` epochs, after the
        last epoch, and when training stops early.
    checkpoint_every : int >= 1
    resume : str or os.PathLike, optional
        A checkpoint to continue from: restores the model, optimizer, schedule
        settings, early stopping, the generators' states, the epoch and the
        history. The model, optimizer, schedule, rng, data and batch size must
        be built as in the saved run (checked where possible). Often the same
        path as ``checkpoint``.
    progress : bool
        Show a tqdm progress bar per epoch (terminal or JupyterLab) with the
        running loss and accuracy, then the validation and test results.
    eval_batch_size : int >= 1
        Batch size for evaluation (does not change results).
    drop_last : bool
        Skip the last, smaller batch of each epoch.
    augment : callable ``(x_batch, rng) -> new x_batch``, optional
        Applied to every training batch with ``rng``, e.g.
        :class:`cnnlab.datasets.RandomShift`; never to evaluation data.

    Returns
    -------
    History
        Per-step and per-epoch loss, accuracy and learning rate. If training
        ended early (early stopping, or :class:`StopTraining` from a callback,
        e.g. the Stop button of a ``TrainingView``), ``history.stopped`` says
        why and how far it got; otherwise it is None.

    Raises
    ------
    NonFiniteLossError
        The loss became NaN or infinite; the message names the step, the
        epoch, the batch and the loss, and the weights are those before it.
    DivergedError
        (the base class of ``NonFiniteLossError``) A gradient, a parameter or
        the optimizer's state became NaN or infinite though the loss did not;
        the message names it, and the checkpoint keeps the last good weights.
    TypeError, ValueError
        An unknown option or a bad value, named in the message.

    Examples
    --------
    >>> data = load_mnist(val_size=5000, rng=np.random.default_rng(0))      # doctest: +SKIP
    >>> model = LeNet5(rng=np.random.default_rng(1))                        # doctest: +SKIP
    >>> history = fit(model, data, optimizer=Adam(model, lr=1e-3), num_epochs=5,
    ...               rng=np.random.default_rng(2), checkpoint="lenet5.npz")  # doctest: +SKIP
    """
    reject_unknown("fit", unknown, _OPTIONS)
    run, resume = checked_run("fit", model, data, optimizer=optimizer, num_epochs=num_epochs,
                              batch_size=batch_size, rng=rng, schedule=schedule, loss=loss,
                              callbacks=callbacks, early_stopping=early_stopping,
                              checkpoint=checkpoint, checkpoint_every=checkpoint_every,
                              resume=resume, progress=progress, eval_batch_size=eval_batch_size,
                              drop_last=drop_last, augment=augment)
    if early_stopping is not None:
        early_stopping.reset()
    if resume is not None:
        _say(progress, resume_from("fit", run, resume))
    initial = Snapshot(model)  # its modes are given back at the end
    try:
        _call(run.callbacks, "on_train_begin", run.history, model)
        epoch = run.start_epoch
        while not run.stopped and epoch < run.num_epochs:
            epoch += 1
            _call(run.callbacks, "on_epoch_begin", epoch, run.history, model)
            totals = _train_one_epoch(run, epoch)
            if totals is None:  # a callback stopped training after a step
                break
            _evaluate(run, epoch, totals)
            _early_stopping_and_callbacks(run, epoch)
            _save(run, epoch)
        _call(run.callbacks, "on_train_end", run.history, model)
    finally:
        if run.bar is not None:
            run.bar.close()
        initial.restore_modes()
    return run.history


def _call(callbacks, hook, *args):
    """Run ``hook`` of every callback that has its own."""
    for cb in callbacks:
        if overrides(cb, hook):
            getattr(cb, hook)(*args)


@dataclass
class _Totals:
    """The running sums of one epoch's training batches."""

    loss: float = 0.0
    correct: int = 0
    seen: int = 0
    seconds: float = 0.0

    def add(self, batch_loss, batch_correct, n):
        self.loss += batch_loss * n
        self.correct += batch_correct
        self.seen += n

    def shown(self) -> list[str]:
        return [_shown("loss", self.loss / self.seen), _shown("acc", self.correct / self.seen)]


def _train_one_epoch(run: Run, epoch: int) -> _Totals | None:
    """Train on every batch of a fresh permutation; None if a callback stopped training after a step."""
    run.model.train()
    desc = _("epoch {epoch}/{num_epochs}").format(epoch=epoch, num_epochs=run.num_epochs)
    run.bar = _progress_bar(run.progress, run.steps_per_epoch, desc)
    started = time.perf_counter()
    totals, step = _Totals(), run.history.num_steps
    step_hooks = [cb for cb in run.callbacks if overrides(cb, "on_step_end")]
    batches = iterate_minibatches(run.x_train, run.y_train, run.batch_size, run.rng, shuffle=True,
                                  drop_last=run.drop_last)
    for index, (xb, yb) in enumerate(batches):
        step += 1
        if run.augment is not None:
            xb = run.augment(xb, run.rng)
        if run.schedule is not None:
            run.optimizer.lr = run.schedule(epoch - 1 + index / run.steps_per_epoch)
        batch_loss, scores = train_step(run.model, xb, yb, optimizer=run.optimizer, loss=run.loss)
        if not math.isfinite(batch_loss):
            raise _diverged(run, batch_loss, step, epoch, index)
        what = first_non_finite(run.model, run.optimizer)
        if what is not None:
            raise _diverged(run, batch_loss, step, epoch, index, what)
        n, batch_correct = yb.shape[0], int(np.count_nonzero(scores.argmax(axis=1) == yb))
        totals.add(batch_loss, batch_correct, n)
        run.history.log_step(step=step, epoch=epoch - 1 + (index + 1) / run.steps_per_epoch,
                             loss=batch_loss, acc=batch_correct / n, lr=run.optimizer.lr)
        stop = _step_end(step_hooks, step, run.history, run.model)
        if run.bar is not None:
            run.bar.set_postfix_str(", ".join(totals.shown()), refresh=False)
            run.bar.update(1)
        if stop is not None:
            # mid-epoch: no evaluation, no epoch record, no checkpoint (a resume
            # restarts from the last complete epoch, exactly)
            run.history.stopped = (_("stopped after {steps} (epoch {epoch} of {num_epochs}, batch {batch} of "
                                     "{batches})").format(steps=_steps(step), epoch=epoch,
                                                          num_epochs=run.num_epochs, batch=index + 1,
                                                          batches=run.steps_per_epoch)
                                   + (f": {stop}" if str(stop) else ""))
            _say(run.progress, run.history.stopped)
            return None
    totals.seconds = time.perf_counter() - started
    return totals


def _diverged(run: Run, batch_loss, step, epoch, index, what=None) -> DivergedError:
    """The error to raise at a step whose loss (``what`` None) or ``what`` is not finite."""
    history, lr = run.history, run.optimizer.lr
    where = f"at step {step} (epoch {epoch}, batch {index + 1} of {run.steps_per_epoch}) with lr={lr:g}"
    advice = "Try a smaller learning rate, check the inputs for NaN/inf, or use batch norm."
    if what is None:
        last = _fmt(history.steps["loss"][-1] if step > 1 else None, ".6g")
        return NonFiniteLossError(
            f"fit: the training loss became {batch_loss} {where}; the last finite loss was {last}. "
            f"Training stopped before this step changed the weights. {advice}",
            step=step, epoch=epoch, batch=index + 1, loss=batch_loss, lr=lr,
            what="the training loss", history=history)
    kept = ("" if run.saved_epoch is None else
            f"; the checkpoint {run.checkpoint} keeps the last good ones, from epoch {run.saved_epoch}")
    return DivergedError(
        f"fit: training diverged {where}: {what} holds NaN or inf after that step, though the loss "
        f"was still finite ({batch_loss:.6g}). Training stopped; the weights in memory are those "
        f"after that step{kept}. {advice}",
        step=step, epoch=epoch, batch=index + 1, loss=batch_loss, lr=lr, what=what, history=history)


def _evaluate(run: Run, epoch: int, totals: _Totals) -> None:
    """Score the validation and test splits in eval mode; record the epoch; close its bar."""
    results = {}
    for name, (x, y) in run.evaluations:
        results[f"{name}_loss"], results[f"{name}_acc"] = evaluate(
            run.model, x, y, batch_size=run.eval_batch_size, loss=run.loss)
    run.history.log_epoch(epoch=epoch, train_loss=totals.loss / totals.seen,
                          train_acc=totals.correct / totals.seen, lr=run.optimizer.lr,
                          seconds=totals.seconds, **results)
    if run.bar is not None:
        shown = totals.shown() + [_shown(k, v) for k, v in results.items()]
        run.bar.set_postfix_str(", ".join(shown), refresh=False)
        run.bar.close()
        run.bar = None


def _early_stopping_and_callbacks(run: Run, epoch: int) -> None:
    """Ask early stopping, then every ``on_epoch_end``, whether to stop after this epoch."""
    stopping, history = run.early_stopping, run.history
    if stopping is not None and stopping.update(epoch, history, run.model):
        run.stopped = True
        if stopping.restore_best:
            stopping.restore(run.model)
        history.stopped = stopping.message()
        _say(run.progress, history.stopped)
    for cb in run.callbacks:
        if overrides(cb, "on_epoch_end"):
            try:
                cb.on_epoch_end(epoch, history, run.model)
            except StopTraining as exc:
                run.stopped = True
                history.stopped = (_("stopped after epoch {epoch} of {num_epochs} by a callback").format(
                                       epoch=epoch, num_epochs=run.num_epochs)
                                   + (f": {exc}" if str(exc) else ""))
                _say(run.progress, history.stopped)


def _save(run: Run, epoch: int) -> None:
    """Write the checkpoint every ``checkpoint_every`` epochs, after the last and when stopping."""
    if run.checkpoint is None or not (run.stopped or epoch == run.num_epochs
                                      or epoch % run.checkpoint_every == 0):
        return
    save_checkpoint(run.checkpoint, model=run.model, optimizer=run.optimizer, schedule=run.schedule,
                    early_stopping=run.early_stopping, generators=run.generators, epoch=epoch,
                    history=run.history, meta={**run.fingerprint, "num_epochs": run.num_epochs,
                                               "stopped_early": run.stopped})
    run.saved_epoch = epoch
