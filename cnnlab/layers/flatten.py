"""Flatten layer."""

from __future__ import annotations

from .. import functional as F
from .module import Stateless


class Flatten(Stateless):
    """(N, C, H, W) -> (N, C*H*W): the bridge from conv layers to linear ones."""

    _forward, _backward = F.flatten_forward, F.flatten_backward
