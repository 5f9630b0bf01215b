"""Weight initialisers, every one seeded by a passed ``numpy.random.Generator``.

Both schemes keep the variance of activations (or of gradients) roughly equal
from layer to layer, so signals neither vanish nor explode with depth:

* Xavier/Glorot (tanh, sigmoid): ``Var(w) = 2 / (fan_in + fan_out)``.
* He/Kaiming (ReLU, which zeroes half its inputs): ``Var(w) = 2 / fan_in``.

For a linear weight (D, M), ``fan_in = D`` and ``fan_out = M``; for a conv
weight (F, C, KH, KW), ``fan_in = C*KH*KW`` and ``fan_out = F*KH*KW``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Initializer = Callable[[tuple, np.random.Generator], np.ndarray]


def fans(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a linear (D, M) or conv (F, C, KH, KW) weight."""
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    if len(shape) == 4:
        receptive_field = int(shape[2] * shape[3])
        return int(shape[1]) * receptive_field, int(shape[0]) * receptive_field
    raise ValueError(f"fans: expected a linear (D, M) or conv (F, C, KH, KW) weight shape, got {shape}")


def xavier_normal(shape, rng):
    """Glorot normal: N(0, 2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def xavier_uniform(shape, rng):
    """Glorot uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), the same variance."""
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def he_normal(shape, rng):
    """He/Kaiming normal: N(0, 2 / fan_in)."""
    fan_in, _ = fans(shape)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def he_uniform(shape, rng):
    """He/Kaiming uniform: U(-a, a) with a = sqrt(6 / fan_in), the same variance."""
    fan_in, _ = fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=shape)


def normal(std: float) -> Initializer:
    """A plain N(0, std**2) initialiser, e.g. ``normal(0.01)`` to show vanishing activations."""
    if not std > 0:
        raise ValueError(f"normal: expected std > 0, got {std!r}")

    def init(shape, rng):
        return rng.normal(0.0, std, size=shape)

    init.__name__ = f"normal({std})"
    return init


INITIALIZERS: dict[str, Initializer] = {
    "he": he_normal, "he_normal": he_normal, "he_uniform": he_uniform, "kaiming": he_normal,
    "xavier": xavier_normal, "xavier_normal": xavier_normal, "xavier_uniform": xavier_uniform,
    "glorot": xavier_normal,
}


def initialize(shape, init, rng, dtype) -> np.ndarray:
    """Draw a weight of ``shape`` with ``init`` (a name from ``INITIALIZERS`` or a
    callable ``(shape, rng) -> ndarray``) from ``rng``, as ``dtype``."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"initialize: expected rng to be a numpy.random.Generator "
                        f"(e.g. np.random.default_rng(0)), got {type(rng).__name__}")
    if isinstance(init, str):
        if init not in INITIALIZERS:
            raise ValueError(f"initialize: unknown init {init!r}; expected one of "
                             f"{sorted(INITIALIZERS)} or a callable (shape, rng) -> array")
        init = INITIALIZERS[init]
    elif not callable(init):
        raise TypeError(f"initialize: expected init to be a name or a callable, got {type(init).__name__}")
    return np.asarray(init(tuple(shape), rng), dtype=dtype)
