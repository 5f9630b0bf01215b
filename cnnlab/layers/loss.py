"""The loss layer."""

from __future__ import annotations

from .. import ops
from .module import NO_CACHE


class SoftmaxCrossEntropyLoss:
    """Softmax followed by mean cross-entropy, as one numerically stable step.

    ``loss = forward(scores, y)`` with scores (N, K) and y integer labels (N,) or
    one-hot rows (N, K); ``backward()`` returns ``dscores`` (N, K), equal to
    ``(softmax(scores) - y) / N``.
    """

    forward_op, backward_op = "softmax_cross_entropy_forward", "softmax_cross_entropy_backward"

    def __init__(self):
        self._cache = NO_CACHE

    def forward(self, scores, y):
        loss, self._cache = ops.get(self.forward_op)(scores, y)
        return loss

    __call__ = forward

    def backward(self, dout=1.0):
        if self._cache is NO_CACHE:
            raise RuntimeError("SoftmaxCrossEntropyLoss.backward: call forward first")
        return ops.get(self.backward_op)(dout, self._cache).dx

    @property
    def probabilities(self):
        """Softmax probabilities (N, K) of the last forward."""
        if self._cache is NO_CACHE:
            raise RuntimeError("SoftmaxCrossEntropyLoss: no forward yet")
        return self._cache[0]

    def __repr__(self):
        return "SoftmaxCrossEntropyLoss()"
