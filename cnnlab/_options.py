"""Option checks shared by the whole package (arrays are checked by :mod:`cnnlab._checks`).

Every message starts with the name of the function or class the user called
(``"SGD: ..."``, ``"fit: ..."``), then says what was expected and what was
received, in one of three wordings, so a student can fix the call without
reading library code:

* ``"fit: expected batch_size to be an int, got 2.5 (float)"`` (a wrong type);
* ``"fit: expected num_epochs >= 1, got 0"``, ``"SGD: expected momentum in [0, 1), got 1.0"``
  (a value out of range);
* ``"load_mnist: unknown source 'web'; expected one of ['auto', 'full', 'sample']"``
  (a name that is not a choice, with the closest one for an unknown option).
"""

from __future__ import annotations

import difflib
import math
from numbers import Integral, Real

import numpy as np


def reject_unknown(func: str, unknown: dict, valid) -> None:
    """Raise ``TypeError`` if ``unknown`` (the ``**kwargs`` left over) is not empty.

    The message lists the valid options and suggests the closest one
    (``momentun`` -> ``momentum``).
    """
    if not unknown:
        return
    valid = sorted(valid)
    parts = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, valid, n=1)
        parts.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise TypeError(f"{func}: unknown option{'s' if len(parts) > 1 else ''} {', '.join(parts)}; "
                    f"expected one of {valid}")


def check_real(func: str, name: str, value, *, low=None, high=None, low_open=False,
               high_open=False) -> float:
    """``value`` as a float, if it is a finite real number in the given interval.

    ``low``/``high`` are inclusive bounds unless ``low_open``/``high_open``.
    Raises ``TypeError`` for a non-number (a bool is not a number here),
    ``ValueError`` for a number out of range.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{func}: expected {name} to be a real number, got {value!r} "
                        f"({type(value).__name__})")
    value = float(value)
    interval = (("(" if low_open else "[") + ("-inf" if low is None else f"{low:g}") + ", "
                + ("inf" if high is None else f"{high:g}") + (")" if high_open or high is None else "]"))
    if (not math.isfinite(value)
            or (low is not None and (value < low or (low_open and value == low)))
            or (high is not None and (value > high or (high_open and value == high)))):
        raise ValueError(f"{func}: expected {name} in {interval}, got {value!r}")
    return value


def is_int(value) -> bool:
    """True for Python and NumPy integers, False for bools (and everything else)."""
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))


def check_int(func: str, name: str, value, *, low=None, optional=False) -> int | None:
    """``value`` as an int, if it is an integer (not a bool) >= ``low``; None too if ``optional``."""
    if optional and value is None:
        return None
    if not is_int(value):
        raise TypeError(f"{func}: expected {name} to be an int{' or None' if optional else ''}, "
                        f"got {value!r} ({type(value).__name__})")
    if low is not None and value < low:
        raise ValueError(f"{func}: expected {name} >= {low}, got {value!r}")
    return int(value)


def check_bool(func: str, name: str, value) -> bool:
    """``value`` as a bool, if it is one."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{func}: expected {name} to be True or False, got {value!r}")
    return bool(value)


def check_choice(func: str, name: str, value, choices) -> str:
    """``value`` if it is one of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{func}: unknown {name} {value!r}; expected one of {list(choices)}")
    return value


def check_rng(func: str, rng, *, optional=False, required_for=None) -> np.random.Generator | None:
    """``rng`` if it is a ``numpy.random.Generator``; None too if ``optional`` and nothing
    (``required_for``, e.g. ``"shuffle=True"``) needs one."""
    if rng is None and (optional or required_for is not None):
        if required_for is not None:
            raise ValueError(f"{func}: {required_for} needs rng=np.random.default_rng(seed), a "
                             f"numpy.random.Generator, so the result can be repeated; got rng=None")
        return None
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{func}: expected rng to be a numpy.random.Generator, e.g. "
                        f"np.random.default_rng(0), got {type(rng).__name__}")
    return rng


def scalar(value):
    """A Python scalar from a scalar or a 0-d array (as read back from an ``.npz``)."""
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise ValueError(f"expected a scalar, got an array of shape {value.shape}")
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and its noun, singular for one: ``"1 epoch"``, ``"3 epochs"``, ``"1,234 steps"``
    (``nouns`` for an irregular plural)."""
    return f"{count:,} {noun if count == 1 else nouns or noun + 's'}"
