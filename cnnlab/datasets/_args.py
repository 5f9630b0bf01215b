"""Argument checks for the dataset functions.

Every message starts with the name of the function the user called, then
says what was expected and what was received.
"""

from __future__ import annotations

import numpy as np

from .._options import check_bool, check_choice  # noqa: F401  (shared with the rest of cnnlab)


def is_int(value) -> bool:
    """True for Python and NumPy integers, False for bools."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_rng(func: str, rng, required_for: str | None = None):
    """Return ``rng`` if it is a Generator (or None when allowed), else raise."""
    if rng is None:
        if required_for is not None:
            raise ValueError(f"{func}: {required_for} needs rng=np.random.default_rng(seed), "
                             f"a numpy.random.Generator, so the result can be repeated; "
                             f"got rng=None")
        return None
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{func}: rng must be a numpy.random.Generator, e.g. "
                        f"np.random.default_rng(0), got {type(rng).__name__}")
    return rng


def check_optional_count(func: str, name: str, value, minimum: int = 1):
    """``value`` must be None or an int >= ``minimum``."""
    if value is None:
        return None
    if not is_int(value):
        raise TypeError(f"{func}: {name} must be an int or None, got {value!r}")
    if value < minimum:
        raise ValueError(f"{func}: {name} must be >= {minimum}, got {value}")
    return int(value)


def check_xy(func: str, x, y) -> None:
    """``x`` and ``y`` must be arrays with the same first dimension."""
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):
        raise TypeError(f"{func}: x and y must be numpy.ndarrays, got "
                        f"{type(x).__name__} and {type(y).__name__}")
    if x.ndim == 0 or y.ndim != 1:
        raise ValueError(f"{func}: expected x of shape (N, ...) and y of shape (N,), got "
                         f"shapes {x.shape} and {y.shape}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"{func}: x and y must have the same number of examples, got "
                         f"{x.shape[0]} and {y.shape[0]}")
