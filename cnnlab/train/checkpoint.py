"""Checkpoints: everything a run needs to continue, in one ``.npz`` of plain arrays.

A checkpoint holds, under prefixed names:

==========================  ====================================================
``model/<name>``            every parameter and buffer (``model.state_dict()``)
``optimizer/<key>``         the optimizer's ``state_dict()`` (lr, step, buffers)
``schedule/<key>``          the schedule's settings, if it has ``state_dict()``
``early_stopping/<key>``    counters and best weights of :class:`EarlyStopping`
``history/steps/<field>``   the :class:`History`, one float64 array per field
``rng``                     JSON text: the bit-generator state of the training
                            ``rng`` and of every generator the model draws from
``meta``                    JSON text: epoch, format version, the network
                            (:func:`architecture_of`: every layer and its
                            settings), what the run was trained on (batch
                            size, number of examples...)
==========================  ====================================================

Strings are stored as NumPy unicode arrays, so the file loads with
``allow_pickle=False``: opening a checkpoint cannot run code. It is written
atomically (:func:`cnnlab._io.atomic_writer`): to a temporary file in the same
folder, flushed to disk, then renamed over the target, so an interrupted save
leaves the previous checkpoint intact and no partial file. A file that cannot be
read (truncated, empty, a flipped bit) raises :class:`CheckpointError` naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from .._io import atomic_writer
from .architecture import architecture_of
from .history import History

__all__ = ["save_checkpoint", "load_checkpoint", "Checkpoint", "CheckpointError", "generators_of",
           "load_weights", "FORMAT", "FORMAT_VERSION"]

FORMAT = "cnnlab-checkpoint"
FORMAT_VERSION = 1
_PARTS = ("model", "optimizer", "schedule", "early_stopping")


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: damaged, not a checkpoint, or from a newer cnnlab.

    The message names the file (``"load_checkpoint: runs/x/checkpoint.npz is
    damaged ..."``); ``path`` is that file and ``problem`` the rest of the message.
    """

    def __init__(self, path, problem: str):
        super().__init__(f"load_checkpoint: {path} {problem}")
        self.path, self.problem = Path(path), problem


# -- random generators ----------------------------------------------------------------------

def generators_of(rng, model) -> list[np.random.Generator]:
    """The distinct generators a run draws from: ``rng`` first, then the model's, in order.

    A generator shared by several layers (or by the model and the training
    loop) appears once.
    """
    found = [] if rng is None else [rng]
    for generator in getattr(model, "generators", lambda: [])():
        if not any(generator is g for g in found):
            found.append(generator)
    return found


def _to_json(value):
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _from_json(value):
    if isinstance(value, dict):
        if set(value) == {"__ndarray__", "dtype"}:
            return np.array(value["__ndarray__"], dtype=value["dtype"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def rng_states(generators) -> list[dict]:
    """JSON-ready copies of each generator's ``bit_generator.state``."""
    return [_to_json(g.bit_generator.state) for g in generators]


def set_rng_states(generators, states, where: str = "set_rng_states") -> None:
    """Put saved states back into ``generators`` (same number, same bit generator types)."""
    if len(states) != len(generators):
        raise ValueError(f"{where}: the checkpoint holds {len(states)} random generator states but "
                         f"this run draws from {len(generators)} (the training rng, then each distinct "
                         f"generator of the model); build the model and rng as the saved run did")
    for index, (generator, state) in enumerate(zip(generators, states)):
        mine = generator.bit_generator.state["bit_generator"]
        if state.get("bit_generator") != mine:
            raise ValueError(f"{where}: generator {index} is a {mine} but the checkpoint saved a "
                             f"{state.get('bit_generator')}")
    for generator, state in zip(generators, states):
        generator.bit_generator.state = _from_json(state)


# -- writing --------------------------------------------------------------------------------

def _text(value) -> np.ndarray:
    return np.array(json.dumps(value, allow_nan=True))


def _flatten(prefix: str, state: dict, arrays: dict) -> None:
    for key, value in state.items():
        name = f"{prefix}/{key}"
        if value is None:
            raise TypeError(f"save_checkpoint: {name} is None; a checkpoint stores numbers, arrays "
                            f"and strings only")
        array = np.asarray(value)
        if array.dtype == object:
            raise TypeError(f"save_checkpoint: {name} is a {type(value).__name__}, which would need "
                            f"pickle; store numbers, arrays or strings")
        arrays[name] = array


def save_checkpoint(path, *, model, optimizer=None, schedule=None, early_stopping=None,
                    generators=(), epoch: int = 0, history: History | None = None,
                    meta: dict | None = None) -> Path:
    """Write a checkpoint atomically; return its path.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file to write (its folder must exist).
    model : cnnlab.layers.Module
    optimizer, schedule, early_stopping : objects with ``state_dict()``, optional
        A schedule without ``state_dict()`` (a plain function) is not stored.
    generators : sequence of numpy.random.Generator
        Usually :func:`generators_of` ``(rng, model)``.
    epoch : int
        Number of completed epochs.
    history : History, optional
    meta : dict, optional
        JSON-serialisable facts about the run, stored with the epoch.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    arrays = {"format": np.array(FORMAT), "version": np.array(FORMAT_VERSION)}
    _flatten("model", model.state_dict(), arrays)
    for part, owner in (("optimizer", optimizer), ("schedule", schedule),
                        ("early_stopping", early_stopping)):
        if owner is not None and callable(getattr(owner, "state_dict", None)):
            _flatten(part, owner.state_dict(), arrays)
    if history is not None:
        _flatten("history", history.to_arrays(), arrays)
    arrays["rng"] = _text(rng_states(generators))
    arrays["meta"] = _text({**(meta or {}), "epoch": int(epoch), "cnnlab_version": __version__,
                            "architecture": architecture_of(model)})
    with atomic_writer(path) as f:
        np.savez(f, **arrays)
    return path


# -- reading --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Checkpoint:
    """What :func:`load_checkpoint` read: plain dicts of arrays and scalars.

    Attributes
    ----------
    path : pathlib.Path
    epoch : int
        Completed epochs.
    model : dict of ndarray
        ``model.load_state_dict(ckpt.model)`` restores the weights.
    optimizer, schedule, early_stopping : dict
        Empty when the run had none.
    rng_states : list of dict
    history : History or None
    meta : dict
    """

    path: Path
    epoch: int
    model: dict
    optimizer: dict = field(default_factory=dict)
    schedule: dict = field(default_factory=dict)
    early_stopping: dict = field(default_factory=dict)
    rng_states: list = field(default_factory=list)
    history: History | None = None
    meta: dict = field(default_factory=dict)

    def restore(self, *, model, optimizer=None, schedule=None, early_stopping=None,
                generators=()) -> None:
        """Load every saved part into the given objects.

        Each part is checked against its object before anything is loaded
        (keys, shapes, settings): a mismatch raises ``ValueError`` naming the
        offending entry, and everything is put back as it was (all or
        nothing). A part present on one side only (an optimizer state but no
        optimizer) also raises.
        """
        where = f"checkpoint {self.path}"
        pairs = [("optimizer", optimizer, self.optimizer), ("schedule", schedule, self.schedule),
                 ("early_stopping", early_stopping, self.early_stopping)]
        for part, owner, state in pairs:
            storable = owner is not None and callable(getattr(owner, "state_dict", None))
            if storable and not state:
                raise ValueError(f"{where}: has no {part} state, but a {type(owner).__name__} was "
                                 f"given; the saved run had no {part}")
            if state and owner is None:
                raise ValueError(f"{where}: holds a {part} state ({state.get('type', '')!s}); pass "
                                 f"the {part} the run used, built with the same options")
        owners = [model] + [owner for _, owner, state in pairs
                            if state and callable(getattr(owner, "load_state_dict", None))]
        snapshots = [(owner, owner.state_dict()) for owner in owners]
        generators = list(generators)
        saved_rngs = [g.bit_generator.state for g in generators]
        try:
            _check_model_state(model, self.model)
            model.load_state_dict(self.model)
            for part, owner, state in pairs:
                if owner in owners[1:]:
                    owner.load_state_dict(state)
            if generators:
                set_rng_states(generators, self.rng_states, where)
        except (ValueError, TypeError) as exc:
            for owner, snapshot in snapshots:  # all or nothing: put everything back
                owner.load_state_dict(snapshot)
            for generator, state in zip(generators, saved_rngs):
                generator.bit_generator.state = state
            raise type(exc)(f"{where} does not fit: {exc}") from None


def _check_model_state(model, state):
    """Raise ``ValueError`` naming the first parameter whose key or shape does not match."""
    targets = {**model.named_params(), **getattr(model, "named_buffers", dict)()}
    missing, unexpected = sorted(set(targets) - set(state)), sorted(set(state) - set(targets))
    if missing or unexpected:
        raise ValueError(f"model parameters do not match; missing {missing}, unexpected {unexpected}")
    for name, target in targets.items():
        if np.shape(state[name]) != target.shape:
            raise ValueError(f"parameter {name!r} has shape {tuple(target.shape)} in the model but "
                             f"{tuple(np.shape(state[name]))} in the checkpoint")


def _read_arrays(path: Path) -> dict:
    """Every array of the ``.npz`` at ``path``, read in full, or a :class:`CheckpointError`."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}
    except PermissionError:
        raise
    except Exception as exc:  # noqa: BLE001 - bytes flipped at random make NumPy and zipfile raise
        # anything: BadZipFile, EOFError, NotImplementedError, RuntimeError, SyntaxError,
        # tokenize.TokenError... (seen with every bit of a checkpoint flipped in turn)
        with open(path, "rb") as f:
            head = f.read(4)
        if not head:
            problem = "is damaged: it is empty (0 bytes)"
        elif head != b"PK\x03\x04":
            problem = "is not a readable .npz file (it does not start like a zip archive)"
        else:
            problem = f"is damaged (truncated or corrupted): {type(exc).__name__}: {exc}"
    raise CheckpointError(path, problem + "; it cannot be loaded: use a copy or train afresh")


def _read_text(arrays, key):
    return json.loads(str(arrays[key][()]))


def _parse(path: Path, arrays: dict) -> Checkpoint:
    if str(arrays.get("format", np.array(""))[()]) != FORMAT:
        raise CheckpointError(path, f"is not a cnnlab checkpoint (no format={FORMAT!r} entry)")
    version = int(arrays["version"])
    if version > FORMAT_VERSION:
        raise CheckpointError(path, f"has format version {version}; this cnnlab reads up to "
                                    f"{FORMAT_VERSION}: upgrade cnnlab")
    parts = {part: {} for part in (*_PARTS, "history")}
    for key, value in arrays.items():
        prefix, _, name = key.partition("/")
        if prefix in parts and name:
            parts[prefix][name] = value
    meta, rng = _read_text(arrays, "meta"), _read_text(arrays, "rng")
    if not isinstance(meta, dict) or not isinstance(rng, list) or not all(isinstance(s, dict) for s in rng):
        raise ValueError("its 'meta' entry is not a JSON object or its 'rng' entry not a list of them")
    history = History.from_arrays(parts["history"]) if parts["history"] else None
    return Checkpoint(path=path, epoch=int(meta["epoch"]), model=parts["model"],
                      optimizer=parts["optimizer"], schedule=parts["schedule"],
                      early_stopping=parts["early_stopping"], rng_states=rng, history=history,
                      meta=meta)


def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint` (``allow_pickle=False``).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    CheckpointError
        (a ``ValueError``) naming the file: it is damaged (truncated, empty,
        corrupted), not a cnnlab checkpoint, or of a newer format.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_checkpoint: no checkpoint at {path}")
    arrays = _read_arrays(path)
    try:
        return _parse(path, arrays)
    except CheckpointError:
        raise
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        problem = f"missing entry {exc}" if isinstance(exc, KeyError) else str(exc)
        raise CheckpointError(path, f"is damaged or was not written by save_checkpoint: {problem}; "
                                    f"it cannot be loaded: use a copy or train afresh") from None


def load_weights(model, path) -> None:
    """Load only the model's parameters and buffers from a checkpoint into ``model``.

    Raises ``ValueError`` naming the parameter when a key or shape differs.
    """
    ckpt = load_checkpoint(path)
    try:
        _check_model_state(model, ckpt.model)
    except ValueError as exc:
        raise ValueError(f"load_weights: checkpoint {path} does not fit this model: {exc}") from None
    model.load_state_dict(ckpt.model)
