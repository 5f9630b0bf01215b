"""Flatten layer."""

from __future__ import annotations

from .module import Stateless


class Flatten(Stateless):
    """(N, C, H, W) -> (N, C*H*W): the bridge from conv layers to linear ones."""

    forward_op, backward_op = "flatten_forward", "flatten_backward"
