"""A multilayer perceptron, the baseline a CNN is compared with."""

from __future__ import annotations

import numpy as np

from .. import layers as L
from .lenet import _ACTIVATIONS
from .summary import summary


class MLP(L.Sequential):
    """Fully connected network: (N, ...) in (flattened), (N, sizes[-1]) out.

    ``MLP((784, 400, 200, 10), rng=rng)`` builds
    flatten, fc1 784->400, relu1, fc2 400->200, relu2, fc3 200->10.

    Parameters
    ----------
    sizes : sequence of int
        Input size, hidden sizes, number of classes (at least two numbers).
    rng : numpy.random.Generator
    activation : {"relu", "tanh", "sigmoid"}
    batchnorm : bool
        Batch norm after each hidden linear layer (before its activation).
    dropout : float
        Drop probability after each hidden activation (0: none).
    init : str or callable
        Default ``"he"`` for ReLU, ``"xavier"`` otherwise.
    dtype : numpy dtype
    """

    def __init__(self, sizes=(784, 400, 200, 10), *, rng, activation="relu", batchnorm=False,
                 dropout=0.0, init=None, dtype=np.float32):
        sizes = tuple(int(s) for s in sizes)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP: expected sizes of at least two positive ints, got {sizes}")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; expected one of {sorted(_ACTIVATIONS)}")
        if not 0 <= dropout < 1:
            raise ValueError(f"MLP: expected dropout in [0, 1), got {dropout!r}")
        init = init or ("he" if activation == "relu" else "xavier")
        layers = [("flatten", L.Flatten())]
        for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
            last = index == len(sizes) - 1
            layers.append((f"fc{index}", L.Linear(n_in, n_out, rng=rng, init=init, dtype=dtype,
                                                  bias=last or not batchnorm)))
            if last:
                break
            if batchnorm:
                layers.append((f"bn{index}", L.BatchNorm1d(n_out, dtype=dtype)))
            layers.append((f"{activation}{index}", _ACTIVATIONS[activation]()))
            if dropout:
                layers.append((f"drop{index}", L.Dropout(dropout, rng=rng)))
        super().__init__(*layers)
        self.sizes = sizes
        self.config = dict(sizes=sizes, activation=activation, batchnorm=batchnorm, dropout=dropout,
                           init=init if isinstance(init, str) else getattr(init, "__name__", "custom"))

    def summary(self, input_shape=None, *, print_fn=print) -> str:
        """Print each layer's output shape and parameter count (see :func:`summary`)."""
        return summary(self, input_shape or (1, self.sizes[0]), print_fn=print_fn)

    def __repr__(self):
        options = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"MLP({options})\n" + super().__repr__()
