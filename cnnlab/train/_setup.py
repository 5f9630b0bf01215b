"""What one call of :func:`~cnnlab.train.fit` works with: its options checked, its start or resume."""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._checks import shape_str
from .._options import check_bool, check_int, check_rng
from ..datasets import count_minibatches
from ..i18n import _
from ..layers import SoftmaxCrossEntropyLoss
from ..optim.schedules import as_schedule
from .architecture import architecture_difference, architecture_of
from .callbacks import EarlyStopping, as_callbacks
from .checkpoint import generators_of, load_checkpoint
from .history import History

_MODEL_METHODS = ("forward", "backward", "train", "eval", "state_dict", "load_state_dict")


@dataclass
class Run:
    """The checked options of one ``fit`` (see its docstring), and its state as it goes."""

    model: object
    optimizer: object
    loss: object
    rng: np.random.Generator
    schedule: object
    callbacks: list
    early_stopping: EarlyStopping | None
    num_epochs: int
    batch_size: int
    eval_batch_size: int
    drop_last: bool
    augment: object
    checkpoint: object
    checkpoint_every: int
    progress: bool
    x_train: np.ndarray
    y_train: np.ndarray
    evaluations: list       #: ``[("val", (x, y)), ("test", (x, y))]``, the splits present
    steps_per_epoch: int
    generators: list        #: the training rng, then the model's (see generators_of)
    fingerprint: dict       #: what a resumed run must share with the saved one
    architecture: list      #: the network (architecture_of), which a resume must share too
    history: History = field(default_factory=History)
    start_epoch: int = 0
    stopped: bool = False   #: by early stopping or a callback, after an epoch
    bar: object = None      #: the current epoch's progress bar
    saved_epoch: int | None = None  #: the epoch in ``checkpoint``, once written or resumed from


def _split(data, name):
    """``(x, y)`` of split ``name`` of ``data``, checked, or None if it has none."""
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
    return {"batch_size": batch_size, "drop_last": drop_last, "n_train": int(y.shape[0]),
            "augment": None if augment is None else repr(augment),
            "train_labels_crc32": zlib.crc32(np.ascontiguousarray(y).tobytes()),
            "input_shape": list(x.shape[1:])}


def _check_model(func, model, optimizer):
    """The model and its optimizer have the methods fit calls (duck typing, with clear errors)."""
    if not all(callable(getattr(model, m, None)) for m in _MODEL_METHODS):
        raise TypeError(f"{func}: expected model to be a cnnlab.layers.Module (forward, backward, "
                        f"train, eval, state_dict...), got {type(model).__name__}")
    if not all(callable(getattr(optimizer, m, None)) for m in ("step", "state_dict")) \
            or getattr(optimizer, "model", model) is not model:
        raise TypeError(f"{func}: expected optimizer to be a cnnlab.optim optimizer built on this "
                        f"model, e.g. SGD(model, lr=0.01), got {type(optimizer).__name__}")


def _check_objects(func, loss, augment, early_stopping, paths):
    """The other objects fit is given have the methods it calls."""
    if augment is not None and not callable(augment):
        raise TypeError(f"{func}: expected augment to be None or a callable (x_batch, rng) -> "
                        f"x_batch, e.g. RandomShift(2), got {type(augment).__name__}")
    if not (callable(getattr(loss, "forward", None)) and callable(getattr(loss, "backward", None))):
        raise TypeError(f"{func}: expected loss to have forward(scores, y) and backward(), got "
                        f"{type(loss).__name__}")
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise TypeError(f"{func}: expected early_stopping to be None or an EarlyStopping, got "
                        f"{type(early_stopping).__name__}")
    for name, value in paths.items():
        if value is not None and not isinstance(value, (str, os.PathLike)):
            raise TypeError(f"{func}: expected {name} to be a file path or None, got {type(value).__name__}")


def _check_data(func, data, batch_size, drop_last, early_stopping):
    """``(x_train, y_train, evaluations, steps_per_epoch)`` of ``data``, checked."""
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
    return x_train, y_train, evaluations, steps_per_epoch


def checked_run(func, model, data, *, optimizer, num_epochs, batch_size, rng, schedule, loss,
                callbacks, early_stopping, checkpoint, checkpoint_every, resume, progress,
                eval_batch_size, drop_last, augment) -> tuple[Run, object]:
    """Every option of ``fit`` checked before anything is done: the :class:`Run`, and ``resume``."""
    _check_model(func, model, optimizer)
    num_epochs = check_int(func, "num_epochs", num_epochs, low=1)
    batch_size = check_int(func, "batch_size", batch_size, low=1)
    eval_batch_size = check_int(func, "eval_batch_size", eval_batch_size, low=1)
    checkpoint_every = check_int(func, "checkpoint_every", checkpoint_every, low=1)
    rng = check_rng(func, rng)
    schedule = as_schedule(schedule, func)
    progress = check_bool(func, "progress", progress)
    drop_last = check_bool(func, "drop_last", drop_last)
    callbacks = as_callbacks(callbacks, func)
    loss = SoftmaxCrossEntropyLoss() if loss is None else loss
    _check_objects(func, loss, augment, early_stopping,
                   {"checkpoint": checkpoint, "resume": resume})
    x_train, y_train, evaluations, steps_per_epoch = _check_data(func, data, batch_size, drop_last,
                                                                 early_stopping)
    run = Run(model=model, optimizer=optimizer, loss=loss, rng=rng, schedule=schedule,
              callbacks=callbacks, early_stopping=early_stopping, num_epochs=num_epochs,
              batch_size=batch_size, eval_batch_size=eval_batch_size, drop_last=drop_last,
              augment=augment, checkpoint=checkpoint, checkpoint_every=checkpoint_every,
              progress=progress, x_train=x_train, y_train=y_train, evaluations=evaluations,
              steps_per_epoch=steps_per_epoch, generators=generators_of(rng, model),
              fingerprint=_fingerprint(x_train, y_train, batch_size, drop_last, augment),
              architecture=architecture_of(model))
    return run, resume


def resume_from(func, run: Run, path) -> str:
    """Restore ``run`` from the checkpoint at ``path``; return what to tell the user."""
    ckpt = load_checkpoint(path)
    # checkpoints written before cnnlab recorded the network have none to compare
    other = architecture_difference(ckpt.meta.get("architecture", run.architecture), run.architecture)
    if other:
        raise ValueError(f"{func}: cannot resume from {path}: it holds the weights of another "
                         f"network ({other}); build the model as the saved run did")
    saved = {k: ckpt.meta.get(k) for k in run.fingerprint}
    changed = [f"{k}: saved {saved[k]!r}, now {run.fingerprint[k]!r}" for k in run.fingerprint
               if saved[k] != run.fingerprint[k]]
    if changed:
        raise ValueError(f"{func}: cannot resume from {path} exactly: the training setup differs "
                         f"({'; '.join(changed)}); use the same data, batch size and augmentation")
    ckpt.restore(model=run.model, optimizer=run.optimizer, schedule=run.schedule,
                 early_stopping=run.early_stopping, generators=run.generators)
    run.history = ckpt.history or History()
    run.start_epoch, run.stopped = ckpt.epoch, bool(ckpt.meta.get("stopped_early", False))
    if run.checkpoint is not None and Path(run.checkpoint) == Path(path):
        run.saved_epoch = ckpt.epoch
    return (_("resumed from {path} after epoch {epoch}").format(path=path, epoch=run.start_epoch)
            + (_(" (that run had stopped early)") if run.stopped else ""))
