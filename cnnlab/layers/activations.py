"""Activation layers: ReLU, Sigmoid, Tanh, and a Softmax for completeness.

Input and output have the same (any) shape; none has parameters.
"""

from __future__ import annotations

from .module import Stateless


class ReLU(Stateless):
    """``out = max(x, 0)``; any shape in, the same shape out."""

    forward_op, backward_op = "relu_forward", "relu_backward"


class Sigmoid(Stateless):
    """``out = 1 / (1 + exp(-x))``; any shape in, the same shape out."""

    forward_op, backward_op = "sigmoid_forward", "sigmoid_backward"


class Tanh(Stateless):
    """``out = tanh(x)``; any shape in, the same shape out."""

    forward_op, backward_op = "tanh_forward", "tanh_backward"


class Softmax(Stateless):
    """Softmax over classes: (N, K) scores in, (N, K) probabilities out.

    For training, use :class:`SoftmaxCrossEntropyLoss` on the raw scores instead:
    it is numerically stable and its gradient is simply ``p - y``.
    """

    forward_op, backward_op = "softmax_forward", "softmax_backward"
