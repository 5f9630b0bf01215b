"""What LeNet5 and DeepCNN share: a Sequential that can compute with :mod:`cnnlab.fast`'s stages."""

from __future__ import annotations

from .. import layers as L
from .summary import summary


class FastPathModel(L.Sequential):
    """A :class:`~cnnlab.layers.Sequential` of 28x28 images whose forward and backward may run on the fast path.

    With the fast path (``fast=True`` in the subclass), ``forward`` and
    ``backward`` compute with :class:`cnnlab.fast.FastPath`'s stages; the
    layers, parameter names, ``state_dict()``, NCHW input (N, 1, 28, 28) and
    output (N, 10), and the backward contract
    (:meth:`~cnnlab.layers.Module.backward`) are the same either way. The
    layers themselves stay the reference ones, so ``model["conv1"].forward(x)``
    and :meth:`summary` work as usual. Subclasses build their layers, then call
    :meth:`_use_fast_path`.
    """

    input_shape = (1, 1, 28, 28)
    _fast_path = None

    def _use_fast_path(self, fast: bool) -> None:
        if fast:
            from ..fast import FastPath  # imported only when asked for
            self._fast_path = FastPath(self)

    def forward(self, x):
        """Class scores (N, 10) for a batch x (N, 1, 28, 28)."""
        if self._fast_path is None:
            return super().forward(x)
        return self._fast_path.forward(x)

    def backward(self, dout, *, input_grad=True):
        """Fill every layer's ``grads`` from ``dout`` (N, 10); return ``dx`` (N, 1, 28, 28), or
        None with ``input_grad=False`` (see :meth:`cnnlab.layers.Module.backward`)."""
        if self._fast_path is None:
            return super().backward(dout, input_grad=input_grad)
        return self._fast_path.backward(dout, input_grad=input_grad)

    def _cache_holders(self):
        return super()._cache_holders() + ([] if self._fast_path is None else self._fast_path.stages)

    def _forget_caches(self):
        super()._forget_caches()
        if self._fast_path is not None:
            self._fast_path.forget()

    def astype(self, dtype):
        super().astype(dtype)
        self._forget_caches()  # the fast path's caches hold arrays of the old dtype
        return self

    def summary(self, input_shape=None, *, print_fn=print) -> str:
        """Print each layer's output shape and parameter count (see :func:`summary`)."""
        return summary(self, input_shape or self.input_shape, print_fn=print_fn)
