"""Which function computes each layer's forward and backward: the one binding idiom.

Layer classes never call :mod:`cnnlab.functional` directly. Each names its pair of
functions (``Conv2d`` names ``"conv2d_forward"`` and ``"conv2d_backward"``) and looks
them up here, by name, every time it runs. So one call swaps a function for every
layer and model that uses it, and nothing else changes::

    import cnnlab.ops

    cnnlab.ops.use(conv2d_backward=my_conv2d_backward)   # from now on, everywhere
    with cnnlab.ops.use(relu_forward=mine, relu_backward=mine_back):
        ...                                              # only inside the block
    cnnlab.ops.reset()                                   # the library's again

A replacement keeps the library function's signature and returns what it returns:
the same ``(out, cache)`` from a forward, with the same cache type, and the same
named tuple of gradients from a backward. That is what lets a student's forward
run with the library's backward, or the other way round.

``naive=True`` layers look up the loop version of a function where the library has
one (``conv2d_forward_naive``); a replacement, once given, serves both.
"""

from __future__ import annotations

import contextlib
import inspect

from . import functional as F

#: name -> (fast implementation, naive implementation); the library's own functions.
LIBRARY = {
    "linear_forward": (F.linear_forward, F.linear_forward),
    "linear_backward": (F.linear_backward, F.linear_backward),
    "relu_forward": (F.relu_forward, F.relu_forward),
    "relu_backward": (F.relu_backward, F.relu_backward),
    "sigmoid_forward": (F.sigmoid_forward, F.sigmoid_forward),
    "sigmoid_backward": (F.sigmoid_backward, F.sigmoid_backward),
    "tanh_forward": (F.tanh_forward, F.tanh_forward),
    "tanh_backward": (F.tanh_backward, F.tanh_backward),
    "softmax_forward": (F.softmax_forward, F.softmax_forward),
    "softmax_backward": (F.softmax_backward, F.softmax_backward),
    "softmax_cross_entropy_forward": (F.softmax_cross_entropy_forward,) * 2,
    "softmax_cross_entropy_backward": (F.softmax_cross_entropy_backward,) * 2,
    "conv2d_forward": (F.conv2d_forward, F.conv2d_forward_naive),
    "conv2d_backward": (F.conv2d_backward, F.conv2d_backward_naive),
    "max_pool_forward": (F.max_pool_forward, F.max_pool_forward_naive),
    "max_pool_backward": (F.max_pool_backward, F.max_pool_backward_naive),
    "avg_pool_forward": (F.avg_pool_forward, F.avg_pool_forward_naive),
    "avg_pool_backward": (F.avg_pool_backward, F.avg_pool_backward_naive),
    "batchnorm_forward": (F.batchnorm_forward, F.batchnorm_forward),
    "spatial_batchnorm_forward": (F.spatial_batchnorm_forward, F.spatial_batchnorm_forward),
    "batchnorm_backward": (F.batchnorm_backward, F.batchnorm_backward),
    "dropout_forward": (F.dropout_forward, F.dropout_forward),
    "dropout_backward": (F.dropout_backward, F.dropout_backward),
    "flatten_forward": (F.flatten_forward, F.flatten_forward),
    "flatten_backward": (F.flatten_backward, F.flatten_backward),
}

NAMES = tuple(LIBRARY)

_replaced: dict = {}  # name -> the function given to use()


def _check_name(name: str) -> None:
    if name not in LIBRARY:
        raise KeyError(f"cnnlab.ops: no function named {name!r}; expected one of {', '.join(NAMES)}")


def get(name: str, *, naive: bool = False):
    """The function that computes ``name`` now: a replacement if one was given, else the library's."""
    _check_name(name)
    if name in _replaced:
        return _replaced[name]
    return LIBRARY[name][1 if naive else 0]


def library(name: str, *, naive: bool = False):
    """The library's own function for ``name``, whatever was given to :func:`use`."""
    _check_name(name)
    return LIBRARY[name][1 if naive else 0]


@contextlib.contextmanager
def _restoring(previous: dict):
    try:
        yield
    finally:
        _replaced.clear()
        _replaced.update(previous)


class use:
    """Replace library functions by name: ``use(conv2d_backward=fn, ...)``.

    Takes effect at once and stays until :func:`reset`; used as a context manager
    (``with use(...):``) it lasts only for the block. ``None`` as a value puts the
    library's function back for that name.
    """

    def __init__(self, **functions):
        for name, fn in functions.items():
            _check_name(name)
            if fn is not None and not callable(fn):
                raise TypeError(f"cnnlab.ops.use: expected {name} to be a function, got {type(fn).__name__}")
        self._previous = dict(_replaced)
        for name, fn in functions.items():
            if fn is None:
                _replaced.pop(name, None)
            else:
                _replaced[name] = fn

    def __enter__(self):
        self._context = _restoring(self._previous)
        return self._context.__enter__()

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


def reset(*names: str) -> None:
    """Put the library's functions back, for ``names`` or, with none given, for all."""
    for name in names:
        _check_name(name)
    for name in names or tuple(_replaced):
        _replaced.pop(name, None)


def replaced() -> dict:
    """``{name: function}`` of every replacement now in force."""
    return dict(_replaced)


def describe(name: str) -> str:
    """``"library"`` or where the replacement for ``name`` was defined (``"my_layers.py"``)."""
    fn = get(name)
    if name not in _replaced:
        return "library"
    try:
        return inspect.getsourcefile(fn) or getattr(fn, "__module__", "yours")
    except TypeError:
        return getattr(fn, "__module__", "yours")


__all__ = ["LIBRARY", "NAMES", "describe", "get", "library", "replaced", "reset", "use"]
