"""The layer base class: named parameters, gradients and buffers around a pure core."""

from __future__ import annotations

import numpy as np

from .. import ops
from .._checks import shape_str


class _NoCache:
    """The type of :data:`NO_CACHE`."""

    def __repr__(self):
        return "NO_CACHE"


#: The one "no forward yet" marker of every layer, loss and fast stage: not None,
#: because a forward's cache may itself be None (dropout in eval mode).
NO_CACHE = _NoCache()


class Module:
    """Base of every layer: explicit state, one ``forward``/``backward`` pair.

    A layer owns three dictionaries of arrays:

    * ``params``: learned parameters (``"w"``, ``"b"``, ``"gamma"``...);
    * ``grads``: the gradient of the loss for each parameter, same keys and
      shapes, overwritten by every ``backward``;
    * ``buffers``: state that is saved but not learned (batch-norm running statistics).

    ``forward(x)`` returns the output and keeps the cache of the pure function it
    wraps; ``backward(dout, input_grad=True)`` fills ``grads`` and returns ``dx``
    (None with ``input_grad=False``): one contract for every layer and model,
    reference or fast path. Containers such as :class:`Sequential` expose their
    children's state under dotted names (``"conv1.w"``).
    """

    #: names of this layer's pure functions in :mod:`cnnlab.ops` (the one binding idiom:
    #: looked up at every call, so ``cnnlab.ops.use(...)`` swaps them for every layer)
    forward_op: str | None = None
    backward_op: str | None = None

    def __init__(self):
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.training = True
        self._cache = NO_CACHE

    # -- the computation ------------------------------------------------------------
    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout, *, input_grad=True):
        """Gradients of the last forward: fill ``grads``, return the gradient of the input.

        Parameters
        ----------
        dout : ndarray, shaped like the last forward's output
            The upstream gradient; not modified.
        input_grad : bool
            Whether the gradient of the input is wanted. Training does not need
            it for a network's input (``fit`` passes False): a layer that can
            skip its work then does (the fast path's first convolution, a fifth
            of a training step at batch 64).

        Returns
        -------
        dx : ndarray shaped like the last forward's input, a new array; None if not ``input_grad``
        """
        return self._keep_grads(self._op("backward")(dout, self._take_cache()), input_grad)

    def __call__(self, x):
        return self.forward(x)

    def _op(self, which: str):
        """The function bound to ``forward_op`` or ``backward_op`` (``which`` is "forward" or "backward")."""
        return ops.get(getattr(self, f"{which}_op"), naive=getattr(self, "naive", False))

    def _cache_holders(self) -> list:
        """This layer and whatever else keeps a cache of its forwards (see :class:`~cnnlab.layers.state.Snapshot`)."""
        return [self]

    def _take_cache(self):
        """The cache of the last forward; a clear error if there was none."""
        if self._cache is NO_CACHE:
            raise RuntimeError(f"{type(self).__name__}.backward: call forward first; "
                               f"backward needs the cache of the last forward pass")
        return self._cache

    def _keep_grads(self, grads, input_grad=True):
        """Store the parameter fields of a backward's named tuple (``dw`` -> ``grads["w"]``);
        return its ``dx``, or None if not ``input_grad``.

        The one way gradients get into ``grads`` (new arrays, never written in
        place), for the reference layers and the fast path's stages alike.
        """
        for field, value in zip(grads._fields, grads):
            if field[1:] in self.params:
                self.grads[field[1:]] = value
        return grads.dx if input_grad else None

    def _set_param(self, name, value):
        self.params[name] = value
        self.grads[name] = np.zeros_like(value)

    # -- structure --------------------------------------------------------------------
    def children(self) -> list[tuple[str, Module]]:
        """``(name, layer)`` pairs of the layers inside this one (none for a plain layer)."""
        return []

    def _named(self, attribute) -> dict[str, np.ndarray]:
        named = dict(getattr(self, attribute))
        for child_name, child in self.children():
            named.update({f"{child_name}.{key}": value
                          for key, value in child._named(attribute).items()})
        return named

    def named_params(self) -> dict[str, np.ndarray]:
        """Every parameter of this layer and its children, by dotted name (the arrays themselves)."""
        return self._named("params")

    def named_grads(self) -> dict[str, np.ndarray]:
        """Every gradient, keyed like :meth:`named_params`."""
        return self._named("grads")

    def named_buffers(self) -> dict[str, np.ndarray]:
        """Every buffer (running statistics), by dotted name."""
        return self._named("buffers")

    def generators(self) -> list[np.random.Generator]:
        """The random generators this layer and its children draw from (dropout masks)."""
        own = [self.rng] if isinstance(getattr(self, "rng", None), np.random.Generator) else []
        return own + [g for _, child in self.children() for g in child.generators()]

    def num_params(self) -> int:
        """Total number of learned scalars."""
        return sum(p.size for p in self.named_params().values())

    # -- modes and dtypes ---------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Switch to train mode (batch statistics, dropout on); returns self."""
        self.training = bool(mode)
        for _, child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Switch to eval mode (running statistics, dropout off); returns self."""
        return self.train(False)

    def astype(self, dtype) -> Module:
        """Convert every parameter, gradient and buffer to ``dtype`` (e.g. float64 for a gradient check); returns self."""
        for store in (self.params, self.grads, self.buffers):
            for key, value in store.items():
                store[key] = value.astype(dtype)
        self._cache = NO_CACHE
        for _, child in self.children():
            child.astype(dtype)
        return self

    def zero_grad(self) -> None:
        for grad in self.named_grads().values():
            grad.fill(0)

    # -- saving and loading -------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, by dotted name: ready for ``np.savez``."""
        return {name: value.copy() for name, value in {**self.named_params(), **self.named_buffers()}.items()}

    def load_state_dict(self, state: dict) -> None:
        """Copy values from ``state`` into this layer's parameters and buffers.

        Keys must match :meth:`state_dict` exactly and every shape must agree;
        otherwise nothing is changed and a ``ValueError`` names the offending entries.
        Values are copied (cast to each parameter's dtype), never aliased.
        """
        targets = {**self.named_params(), **self.named_buffers()}
        where = f"{type(self).__name__}.load_state_dict"
        missing = sorted(set(targets) - set(state))
        unexpected = sorted(set(state) - set(targets))
        if missing or unexpected:
            raise ValueError(f"{where}: keys do not match; missing {missing}, unexpected {unexpected}")
        for name, target in targets.items():
            value = np.asarray(state[name])
            if value.shape != target.shape:
                raise ValueError(f"{where}: parameter {name!r} has shape {shape_str(target.shape)} "
                                 f"in the layer but {shape_str(value.shape)} in the state dict")
            if not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
                raise TypeError(f"{where}: parameter {name!r} has dtype {value.dtype} in the state "
                                f"dict; expected numbers")
        for name, target in targets.items():
            np.copyto(target, state[name], casting="unsafe")
        self._forget_caches()

    def _forget_caches(self):
        self._cache = NO_CACHE
        for _, child in self.children():
            child._forget_caches()

    # -- display ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Stateless(Module):
    """A layer without parameters that wraps one pure forward/backward pair.

    Subclasses set ``forward_op`` and ``backward_op`` to the functions' names.
    """

    def forward(self, x):
        out, self._cache = self._op("forward")(x)
        return out


def walk_modules(module):
    """Yield ``module`` and every module inside it, depth first (anything without
    ``children()`` counts as a leaf, so duck-typed models work too)."""
    yield module
    for _, child in getattr(module, "children", lambda: [])():
        yield from walk_modules(child)
