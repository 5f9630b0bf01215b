"""``fit``: the training loop, with progress bars, evaluation, checkpoints and resume.

One epoch, in order:

1. draw a fresh permutation of the training set from ``rng`` and cut it into
   mini-batches (every example once per epoch, sampling without replacement);
2. for each batch: augment it if asked (``augment(xb, rng)``), set
   ``optimizer.lr = schedule(progress)``, forward, loss
   (stop with :class:`NonFiniteLossError` if it is NaN or infinite, before
   the bad step changes any weight), backward, ``optimizer.step()``, record
   the step in the :class:`~cnnlab.train.History`;
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
import os
import time
import zlib

import numpy as np

from .._checks import shape_str
from .._options import check_bool, check_int, check_rng, reject_unknown
from ..datasets import count_minibatches, iterate_minibatches
from ..layers import Snapshot, SoftmaxCrossEntropyLoss
from ..optim.schedules import as_schedule
from .callbacks import EarlyStopping, StopTraining, as_callbacks, overrides
from .checkpoint import generators_of, load_checkpoint, save_checkpoint
from .evaluate import DEFAULT_BATCH_SIZE, evaluate
from .history import History

__all__ = ["fit", "NonFiniteLossError"]

_OPTIONS = ("optimizer", "num_epochs", "batch_size", "rng", "schedule", "loss", "callbacks",
            "early_stopping", "checkpoint", "checkpoint_every", "resume", "progress",
            "eval_batch_size", "drop_last", "augment")


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite; training stopped before that step's update.

    Attributes
    ----------
    step : int
        The step (counted from 1 over the whole run) whose loss was not finite.
    epoch : int
        The epoch it happened in (from 1).
    batch : int
        The batch within the epoch (from 1).
    loss : float
    lr : float
    history : History
        Everything recorded up to the step before.
    """

    def __init__(self, message, *, step, epoch, batch, loss, lr, history):
        super().__init__(message)
        self.step, self.epoch, self.batch, self.loss, self.lr = step, epoch, batch, loss, lr
        self.history = history


def _split(data, name):
    x, y = getattr(data, f"x_{name}", None), getattr(data, f"y_{name}", None)
    if x is None or y is None:
        return None
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
        raise TypeError(f"fit: expected data.x_{name} and data.y_{name} to be numpy arrays, got "
                        f"{type(x).__name__} and {type(y).__name__}")
    if y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(f"fit: expected data.x_{name} (N, ...) and data.y_{name} (N,) with the "
                         f"same N, got shapes {shape_str(x.shape)} and {shape_str(y.shape)}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"fit: expected floating-point images in data.x_{name}, got dtype {x.dtype}")
    return x, y


def _fingerprint(x, y, batch_size, drop_last, augment) -> dict:
    """What a resumed run must share with the saved one to continue it exactly."""
    return {"batch_size": batch_size, "drop_last": drop_last, "n_train": int(y.shape[0]),
            "augment": None if augment is None else repr(augment),
            "train_labels_crc32": zlib.crc32(np.ascontiguousarray(y).tobytes()),
            "input_shape": list(x.shape[1:])}


def _progress_bar(enabled, total, desc):
    if not enabled:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc=desc, unit="batch", leave=True, dynamic_ncols=True)


def _say(bar_enabled, text):
    if bar_enabled:
        from tqdm.auto import tqdm
        tqdm.write(text)


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
    TypeError, ValueError
        An unknown option or a bad value, named in the message.

    Examples
    --------
    >>> data = load_mnist(val_size=5000, rng=np.random.default_rng(0))      # doctest: +SKIP
    >>> model = LeNet5(rng=np.random.default_rng(1))                        # doctest: +SKIP
    >>> history = fit(model, data, optimizer=Adam(model, lr=1e-3), num_epochs=5,
    ...               rng=np.random.default_rng(2), checkpoint="lenet5.npz")  # doctest: +SKIP
    """
    func = "fit"
    reject_unknown(func, unknown, _OPTIONS)
    # -- check every option before doing anything -------------------------------------------
    if not all(callable(getattr(model, m, None)) for m in ("forward", "backward", "train", "eval",
                                                           "state_dict", "load_state_dict")):
        raise TypeError(f"{func}: expected model to be a cnnlab.layers.Module (forward, backward, "
                        f"train, eval, state_dict...), got {type(model).__name__}")
    if not all(callable(getattr(optimizer, m, None)) for m in ("step", "state_dict")) \
            or getattr(optimizer, "model", model) is not model:
        raise TypeError(f"{func}: expected optimizer to be a cnnlab.optim optimizer built on this "
                        f"model, e.g. SGD(model, lr=0.01), got {type(optimizer).__name__}")
    num_epochs = check_int(func, "num_epochs", num_epochs, low=1)
    batch_size = check_int(func, "batch_size", batch_size, low=1)
    eval_batch_size = check_int(func, "eval_batch_size", eval_batch_size, low=1)
    checkpoint_every = check_int(func, "checkpoint_every", checkpoint_every, low=1)
    rng = check_rng(func, rng)
    schedule = as_schedule(schedule, func)
    progress = check_bool(func, "progress", progress)
    drop_last = check_bool(func, "drop_last", drop_last)
    callbacks = as_callbacks(callbacks, func)
    if augment is not None and not callable(augment):
        raise TypeError(f"{func}: expected augment to be None or a callable (x_batch, rng) -> "
                        f"x_batch, e.g. RandomShift(2), got {type(augment).__name__}")
    loss_fn = SoftmaxCrossEntropyLoss() if loss is None else loss
    if not (callable(getattr(loss_fn, "forward", None)) and callable(getattr(loss_fn, "backward", None))):
        raise TypeError(f"{func}: expected loss to have forward(scores, y) and backward(), got "
                        f"{type(loss_fn).__name__}")
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise TypeError(f"{func}: expected early_stopping to be None or an EarlyStopping, got "
                        f"{type(early_stopping).__name__}")
    for name, value in (("checkpoint", checkpoint), ("resume", resume)):
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{func}: expected {name} to be a file path or None, got {type(value).__name__}")
    train = _split(data, "train")
    if train is None:
        raise TypeError(f"{func}: expected data with x_train and y_train (a cnnlab.datasets.Dataset), "
                        f"got {type(data).__name__}")
    x_train, y_train = train
    if y_train.shape[0] == 0:
        raise ValueError(f"{func}: the training set is empty")
    evaluations = [(name, split) for name in ("val", "test") if (split := _split(data, name)) is not None]
    if early_stopping is not None and early_stopping.monitor.startswith(("val_", "test_")):
        split = early_stopping.monitor.split("_")[0]
        if split not in dict(evaluations):
            raise ValueError(f"{func}: early stopping monitors {early_stopping.monitor!r} but the data "
                             f"has no {split} split (x_{split} is None); load it with val_size=... or "
                             f"monitor 'train_loss'")
    steps_per_epoch = count_minibatches(y_train.shape[0], batch_size, drop_last)
    if steps_per_epoch == 0:
        raise ValueError(f"{func}: drop_last=True with batch_size={batch_size} > {y_train.shape[0]} "
                         f"training examples leaves no batch")
    generators = generators_of(rng, model)
    fingerprint = _fingerprint(x_train, y_train, batch_size, drop_last, augment)

    # -- start or resume -------------------------------------------------------------------------
    history, start_epoch, stopped = History(), 0, False
    if early_stopping is not None:
        early_stopping.reset()
    if resume is not None:
        ckpt = load_checkpoint(resume)
        saved = {k: ckpt.meta.get(k) for k in fingerprint}
        changed = [f"{k}: saved {saved[k]!r}, now {fingerprint[k]!r}" for k in fingerprint
                   if saved[k] != fingerprint[k]]
        if changed:
            raise ValueError(f"{func}: cannot resume from {resume} exactly: the training setup differs "
                             f"({'; '.join(changed)}); use the same data, batch size and augmentation")
        ckpt.restore(model=model, optimizer=optimizer, schedule=schedule,
                     early_stopping=early_stopping, generators=generators)
        history = ckpt.history or History()
        start_epoch, stopped = ckpt.epoch, bool(ckpt.meta.get("stopped_early", False))
        _say(progress, f"resumed from {resume} after epoch {start_epoch}"
             + (" (that run had stopped early)" if stopped else ""))

    step_hooks = [cb for cb in callbacks if overrides(cb, "on_step_end")]
    initial = Snapshot(model)  # its modes are given back at the end
    # Training needs no gradient of the input; a model that can skip it says so
    # with an `input_grad` flag (LeNet5's fast path), switched off meanwhile.
    input_grad = getattr(model, "input_grad", None)
    bar = None
    try:
        if isinstance(input_grad, bool):
            model.input_grad = False
        for cb in callbacks:
            if overrides(cb, "on_train_begin"):
                cb.on_train_begin(history, model)
        epoch = start_epoch
        while not stopped and epoch < num_epochs:
            epoch += 1
            for cb in callbacks:
                if overrides(cb, "on_epoch_begin"):
                    cb.on_epoch_begin(epoch, history, model)
            model.train()
            bar = _progress_bar(progress, steps_per_epoch, f"epoch {epoch}/{num_epochs}")
            started = time.perf_counter()
            total_loss, correct, seen = 0.0, 0, 0
            step = history.num_steps
            batches = iterate_minibatches(x_train, y_train, batch_size, rng, shuffle=True,
                                          drop_last=drop_last)
            for index, (xb, yb) in enumerate(batches):
                step += 1
                if augment is not None:
                    xb = augment(xb, rng)
                if schedule is not None:
                    optimizer.lr = schedule(epoch - 1 + index / steps_per_epoch)
                scores = model.forward(xb)
                batch_loss = float(loss_fn.forward(scores, yb))
                if not math.isfinite(batch_loss):
                    raise NonFiniteLossError(
                        f"fit: the training loss became {batch_loss} at step {step} (epoch {epoch}, "
                        f"batch {index + 1} of {steps_per_epoch}) with lr={optimizer.lr:g}; the last "
                        f"finite loss was {_fmt(history.steps['loss'][-1] if step > 1 else None, '.6g')}. "
                        f"Training stopped before this step changed the weights. Try a smaller "
                        f"learning rate, check the inputs for NaN/inf, or use batch norm.",
                        step=step, epoch=epoch, batch=index + 1, loss=batch_loss, lr=optimizer.lr,
                        history=history)
                model.backward(loss_fn.backward())
                optimizer.step()
                n = yb.shape[0]
                batch_correct = int(np.count_nonzero(scores.argmax(axis=1) == yb))
                total_loss += batch_loss * n
                correct += batch_correct
                seen += n
                history.log_step(step=step, epoch=epoch - 1 + (index + 1) / steps_per_epoch,
                                 loss=batch_loss, acc=batch_correct / n, lr=optimizer.lr)
                stop = _step_end(step_hooks, step, history, model)
                if bar is not None:
                    bar.set_postfix_str(f"loss={total_loss / seen:.4f}, acc={correct / seen:.4f}",
                                        refresh=False)
                    bar.update(1)
                if stop is not None:
                    # mid-epoch: no evaluation, no epoch record, no checkpoint (a resume
                    # restarts from the last complete epoch, exactly)
                    history.stopped = (f"stopped after {step:,} steps (epoch {epoch} of {num_epochs}, "
                                       f"batch {index + 1} of {steps_per_epoch})"
                                       + (f": {stop}" if str(stop) else ""))
                    _say(progress, history.stopped)
                    break
            if history.stopped is not None:
                break
            seconds = time.perf_counter() - started

            results = {}
            for name, (x, y) in evaluations:
                results[f"{name}_loss"], results[f"{name}_acc"] = evaluate(
                    model, x, y, batch_size=eval_batch_size, loss=loss_fn)
            history.log_epoch(epoch=epoch, train_loss=total_loss / seen, train_acc=correct / seen,
                              lr=optimizer.lr, seconds=seconds, **results)
            if bar is not None:
                shown = [f"loss={total_loss / seen:.4f}", f"acc={correct / seen:.4f}"]
                shown += [f"{k}={v:.4f}" for k, v in results.items()]
                bar.set_postfix_str(", ".join(shown), refresh=False)
                bar.close()
                bar = None

            if early_stopping is not None and early_stopping.update(epoch, history, model):
                stopped = True
                if early_stopping.restore_best:
                    early_stopping.restore(model)
                history.stopped = early_stopping.message()
                _say(progress, history.stopped)
            for cb in callbacks:
                if overrides(cb, "on_epoch_end"):
                    try:
                        cb.on_epoch_end(epoch, history, model)
                    except StopTraining as exc:
                        stopped = True
                        history.stopped = (f"stopped after epoch {epoch} of {num_epochs} by a callback"
                                           + (f": {exc}" if str(exc) else ""))
                        _say(progress, history.stopped)
            if checkpoint is not None and (stopped or epoch == num_epochs
                                           or epoch % checkpoint_every == 0):
                save_checkpoint(checkpoint, model=model, optimizer=optimizer, schedule=schedule,
                                early_stopping=early_stopping, generators=generators, epoch=epoch,
                                history=history,
                                meta={**fingerprint, "num_epochs": num_epochs, "stopped_early": stopped})
        for cb in callbacks:
            if overrides(cb, "on_train_end"):
                cb.on_train_end(history, model)
    finally:
        if bar is not None:
            bar.close()
        if isinstance(input_grad, bool):
            model.input_grad = input_grad
        initial.restore_modes()
    return history
