"""The gradient container of single-input functions."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class InputGrads(NamedTuple):
    """Gradient of the loss with respect to the one input ``x`` of a forward."""

    dx: np.ndarray  #: same shape as x
