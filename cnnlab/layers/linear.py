"""Linear (fully connected) layer."""

from __future__ import annotations

import numpy as np

from .._options import check_int
from ..init import initialize
from .module import Module


class Linear(Module):
    """Fully connected layer: ``out = x.reshape(N, D) @ w + b``.

    Input (N, d_1, ..., d_k) with ``D = d_1 * ... * d_k``; output (N, M).

    Parameters
    ----------
    in_features : int
        D.
    out_features : int
        M.
    rng : numpy.random.Generator
        Draws the initial weights.
    bias : bool
    init : str or callable
        ``"he"`` (default, for ReLU networks), ``"xavier"``, or any initialiser
        from :mod:`cnnlab.init`; the bias starts at zero.
    dtype : numpy dtype, default float32

    Attributes
    ----------
    params : ``"w"`` (D, M) and ``"b"`` (M,)
    """

    forward_op, backward_op = "linear_forward", "linear_backward"

    def __init__(self, in_features, out_features, *, rng, bias=True, init="he", dtype=np.float32):
        super().__init__()
        self.in_features = check_int("Linear", "in_features", in_features, low=1)
        self.out_features = check_int("Linear", "out_features", out_features, low=1)
        self._set_param("w", initialize((self.in_features, self.out_features), init, rng, dtype))
        if bias:
            self._set_param("b", np.zeros(self.out_features, dtype=dtype))

    def forward(self, x):
        out, self._cache = self._op("forward")(x, self.params["w"], self.params.get("b"))
        return out

    def extra_repr(self):
        return f"{self.in_features}, {self.out_features}, bias={'b' in self.params}"
