"""Looking at a model without changing it: :func:`eval_mode`, and the :class:`Snapshot` under it.

A forward pass changes more than its output. Every layer replaces the cache
its backward needs (a backward that was due would then differentiate the
wrong batch), batch norm in train mode moves its running statistics, dropout
draws from its generator. Code that only looks (predicting, a table of output
shapes, every layer's activations, a gradient check, a profile) runs inside::

    with eval_mode(model):
        scores = model.forward(x)

and afterwards the model is as it was: each layer's mode, cache, running
statistics and random generators' states. Parameters are not saved: code that
only looks never changes them.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .module import walk_modules

__all__ = ["Snapshot", "eval_mode"]

_ABSENT = object()  # a duck-typed layer that had no cache attribute at all gets none back


class Snapshot:
    """What running a model can change, saved now, put back by :meth:`restore`.

    Saved: every layer's mode (``training``), every cache a forward replaces
    (the fast path's stages' too), copies of the running statistics
    (``named_buffers()``) and the states of the random generators the model
    draws from (``generators()``); with ``grads=True`` also the gradients.

    Parameters
    ----------
    model : cnnlab.layers.Module
        Or any object with ``children()`` (duck-typed models work; what they
        lack is not saved).
    grads : bool
        Also save every gradient: the arrays in each ``layer.grads`` (a
        backward puts new ones there) and their values (``zero_grad`` fills
        them in place).
    """

    def __init__(self, model, *, grads: bool = False):
        modules = list(walk_modules(model))
        self.model = model
        self._modes = [(m, m.training) for m in modules if hasattr(m, "training")]
        holders = [h for m in modules for h in getattr(m, "_cache_holders", lambda m=m: [m])()]
        self._caches = [(h, h.__dict__.get("_cache", _ABSENT)) for h in holders]
        self._buffers = {k: v.copy() for k, v in getattr(model, "named_buffers", dict)().items()}
        self._generators = [(g, g.bit_generator.state) for g in getattr(model, "generators", list)()]
        self._grads = [(m, dict(m.grads), {k: v.copy() for k, v in m.grads.items()})
                       for m in modules if grads and isinstance(getattr(m, "grads", None), dict)]

    def restore_modes(self) -> None:
        """Put back each layer's mode only (train or eval, layer by layer)."""
        for module, training in self._modes:
            module.training = training

    def restore(self) -> None:
        """Put back everything saved; may be called any number of times."""
        self.restore_modes()
        for holder, cache in self._caches:
            if cache is _ABSENT:
                holder.__dict__.pop("_cache", None)
            else:
                holder._cache = cache
        for name, value in getattr(self.model, "named_buffers", dict)().items():
            np.copyto(value, self._buffers[name])
        for generator, state in self._generators:
            generator.bit_generator.state = state
        for module, arrays, values in self._grads:
            module.grads.clear()
            module.grads.update(arrays)
            for name, value in values.items():
                np.copyto(arrays[name], value)


@contextmanager
def eval_mode(model):
    """``with eval_mode(model): ...`` looks at ``model`` in eval mode and leaves it unchanged.

    Inside the block every layer is in eval mode (batch norm uses its running
    statistics, dropout passes its input through). Afterwards, even after an
    error, every layer has back its mode, its cache (a backward that was due
    still works), its running statistics and its generators' states (see
    :class:`Snapshot`).

    Yields
    ------
    model
    """
    snapshot = Snapshot(model)
    model.eval()
    try:
        yield model
    finally:
        snapshot.restore()
