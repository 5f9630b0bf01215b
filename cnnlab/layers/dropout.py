"""Dropout layer."""

from __future__ import annotations

import numpy as np

from .module import Module


class Dropout(Module):
    """Inverted dropout: any shape in, the same shape out.

    In train mode each value is dropped with probability ``p`` and survivors are
    scaled by ``1 / (1 - p)``; in eval mode the layer passes values through.

    Parameters
    ----------
    p : float in [0, 1)
        Drop probability.
    rng : numpy.random.Generator
        Draws the masks; the layer's only source of randomness.
    """

    forward_op, backward_op = "dropout_forward", "dropout_backward"

    def __init__(self, p=0.5, *, rng):
        super().__init__()
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"Dropout: expected rng to be a numpy.random.Generator, got {type(rng).__name__}")
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: expected a drop probability p in [0, 1), got {p!r}")
        self.p, self.rng = float(p), rng

    def forward(self, x):
        out, self._cache = self._op("forward")(x, self.p, train=self.training, rng=self.rng)
        return out

    def extra_repr(self):
        return f"p={self.p}"
