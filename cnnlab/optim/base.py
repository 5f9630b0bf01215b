"""The optimizer base class: named state, preallocated, saved as plain arrays.

An optimizer holds a model and, for each of its parameters, the buffers its
rule needs (a velocity, moving averages), allocated once with the parameter's
shape and dtype: float32 parameters get float32 state and stay float32. Each
:meth:`Optimizer.step` reads ``model.named_grads()`` (the gradients the last
``backward`` wrote) and updates the arrays of ``model.named_params()`` in
place, with in-place NumPy operations into preallocated scratch arrays, so a
training step allocates nothing here.

The gradients are read, never modified: weight decay is added into a scratch
array, not into ``grads``.
"""

from __future__ import annotations

import numpy as np

from .._checks import shape_str
from .._options import check_real, scalar


class Optimizer:
    """Base class: subclasses set ``_buffer_names``, ``_hyperparameters()`` and ``_update``.

    Parameters
    ----------
    model : cnnlab.layers.Module
        Anything with ``named_params()`` and ``named_grads()`` returning dicts of
        arrays with the same keys.
    lr : float >= 0
        Learning rate; an attribute a schedule may change between steps.

    Attributes
    ----------
    lr : float
    step_count : int
        Number of :meth:`step` calls so far (saved as ``"step"``).
    state : dict of dict of ndarray
        ``state[buffer][param_name]``, e.g. ``state["velocity"]["conv1.w"]``.
    """

    _scratch_count = 2  # scratch arrays per parameter, not saved

    def __init__(self, model, lr):
        name = type(self).__name__
        if not (callable(getattr(model, "named_params", None))
                and callable(getattr(model, "named_grads", None))):
            raise TypeError(f"{name}: expected a model with named_params() and named_grads() "
                            f"(a cnnlab.layers.Module), got {type(model).__name__}")
        params = model.named_params()
        if not params:
            raise ValueError(f"{name}: the model has no parameters to optimize")
        grads = model.named_grads()
        if set(grads) != set(params):
            raise ValueError(f"{name}: the model's named_grads() keys {sorted(grads)} differ from "
                             f"its named_params() keys {sorted(params)}")
        for pname, p in params.items():
            if not (isinstance(p, np.ndarray) and np.issubdtype(p.dtype, np.floating)):
                raise TypeError(f"{name}: parameter {pname!r} is not a floating-point ndarray")
        self.model = model
        self.lr = lr
        self.step_count = 0
        self._names = tuple(params)
        self._layout = {pname: (p.shape, p.dtype) for pname, p in params.items()}
        self.state = {buffer: {pname: np.zeros_like(p) for pname, p in params.items()}
                      for buffer in self._buffer_names()}
        self._scratch = {pname: tuple(np.empty_like(p) for _ in range(self._scratch_count))
                         for pname, p in params.items()}

    # -- to override -----------------------------------------------------------------------
    def _buffer_names(self) -> tuple[str, ...]:
        """Names of the per-parameter state arrays this rule keeps (given its options)."""
        return ()

    def _hyperparameters(self) -> dict:
        """The fixed options, saved in the state dict and checked when loading."""
        return {}

    def _update(self, name, p, g, t):
        """Update parameter ``p`` (in place) from gradient ``g`` at step ``t`` (1-based)."""
        raise NotImplementedError

    # -- learning rate ---------------------------------------------------------------------
    @property
    def lr(self) -> float:
        """The learning rate used by the next :meth:`step`."""
        return self._lr

    @lr.setter
    def lr(self, value):
        self._lr = check_real(type(self).__name__, "lr", value, low=0.0)

    # -- the update --------------------------------------------------------------------------
    def step(self) -> None:
        """Update every parameter in place from the gradients of the last backward."""
        params = self.model.named_params()
        grads = self.model.named_grads()
        pairs = []
        for name in self._names:  # check everything before changing anything
            if name not in params or name not in grads:
                raise KeyError(f"{type(self).__name__}.step: the model no longer has parameter "
                               f"{name!r}; the optimizer was built for {list(self._names)}")
            p, g = params[name], grads[name]
            shape, dtype = self._layout[name]
            if p.shape != shape or p.dtype != dtype or g.shape != shape:
                raise ValueError(
                    f"{type(self).__name__}.step: parameter {name!r} is now {shape_str(p.shape)} "
                    f"{p.dtype} (gradient {shape_str(g.shape)}) but the optimizer was built for "
                    f"{shape_str(shape)} {dtype}; build the optimizer after converting the model "
                    f"(e.g. after astype)")
            pairs.append((name, p, g))
        self.step_count += 1
        for name, p, g in pairs:
            self._update(name, p, g, self.step_count)

    def zero_grad(self) -> None:
        """Set every gradient of the model to zero (``backward`` overwrites them anyway)."""
        for g in self.model.named_grads().values():
            g.fill(0)

    # -- saving and loading -----------------------------------------------------------------
    def state_dict(self) -> dict:
        """Plain scalars and copies of the state arrays, ready for ``np.savez``.

        Keys: ``"type"`` (the class name), ``"lr"``, ``"step"``, each
        hyperparameter (``"momentum"``...), and ``"<buffer>.<param>"`` arrays
        such as ``"velocity.conv1.w"``.
        """
        state = {"type": type(self).__name__, "lr": self.lr, "step": self.step_count,
                 **self._hyperparameters()}
        for buffer, arrays in self.state.items():
            for pname, value in arrays.items():
                state[f"{buffer}.{pname}"] = value.copy()
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore ``lr``, the step count and every state array from :meth:`state_dict`.

        The hyperparameters in ``state`` must equal this optimizer's (resuming
        with a different momentum would not continue the same run): a mismatch,
        a missing or unexpected key, or a wrong shape raises ``ValueError``
        naming it, and then nothing is changed. Arrays are copied, never aliased.
        Scalars may be 0-d arrays, as read back from an ``.npz``.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, dict):
            raise TypeError(f"{where}: expected a dict from state_dict(), got {type(state).__name__}")
        saved_type = scalar(state.get("type"))
        if saved_type != type(self).__name__:
            raise ValueError(f"{where}: the state was saved by {saved_type!r}, not by "
                             f"{type(self).__name__!r}")
        hyper = self._hyperparameters()
        arrays = {f"{buffer}.{pname}": value for buffer, values in self.state.items()
                  for pname, value in values.items()}
        expected = {"type", "lr", "step", *hyper, *arrays}
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
        if missing or unexpected:
            raise ValueError(f"{where}: keys do not match; missing {missing}, unexpected {unexpected}")
        for key, mine in hyper.items():
            saved = scalar(state[key])
            if saved != mine:
                raise ValueError(f"{where}: the state was saved with {key}={saved!r} but this "
                                 f"{type(self).__name__} has {key}={mine!r}; build the optimizer "
                                 f"with the same options to continue the run")
        for key, target in arrays.items():
            value = np.asarray(state[key])
            if value.shape != target.shape:
                raise ValueError(f"{where}: {key!r} has shape {shape_str(target.shape)} in the "
                                 f"optimizer but {shape_str(value.shape)} in the state dict")
        lr = check_real(where, "lr", scalar(state["lr"]), low=0.0)
        step = scalar(state["step"])
        if not isinstance(step, int) or step < 0:
            raise ValueError(f"{where}: expected 'step' to be an int >= 0, got {step!r}")
        for key, target in arrays.items():
            np.copyto(target, state[key], casting="same_kind")
        self.lr, self.step_count = lr, step

    def __repr__(self) -> str:
        options = ", ".join(f"{k}={v!r}" for k, v in {"lr": self.lr, **self._hyperparameters()}.items())
        return f"{type(self).__name__}({options})"
