"""Pooling layers."""

from __future__ import annotations

from .._checks import pair
from .module import Module


class _Pool(Module):
    def __init__(self, kernel_size=2, stride=None, pad=0, *, naive=False):
        super().__init__()
        layer = type(self).__name__
        # checked now, so a typo fails where the network is built, not at the first batch
        pair(layer, "kernel_size", kernel_size, minimum=1)
        if stride is not None:
            pair(layer, "stride", stride, minimum=1)
        pair(layer, "pad", pad, minimum=0)
        self.kernel_size, self.stride, self.pad, self.naive = kernel_size, stride, pad, bool(naive)

    def forward(self, x):
        out, self._cache = self._op("forward")(x, self.kernel_size, self.stride, self.pad)
        return out

    def extra_repr(self):
        stride = self.kernel_size if self.stride is None else self.stride
        return f"kernel_size={self.kernel_size}, stride={stride}, pad={self.pad}"


class MaxPool2d(_Pool):
    """Max pooling: (N, C, H, W) in, (N, C, H_out, W_out) out.

    ``H_out = (H + 2*PH - KH) // SH + 1``, likewise ``W_out``. The stride defaults to
    the kernel size; a smaller stride makes windows overlap. The gradient of each
    window goes to one position, its first maximum (row-major), even on ties.

    Parameters
    ----------
    kernel_size : int or (KH, KW)
    stride : int or (SH, SW) or None
    pad : int or (PH, PW), at most half the kernel
    naive : bool
        Use the loop implementation.
    """

    forward_op, backward_op = "max_pool_forward", "max_pool_backward"


class AvgPool2d(_Pool):
    """Average pooling: (N, C, H, W) in, (N, C, H_out, W_out) out.

    ``H_out = (H + 2*PH - KH) // SH + 1``, likewise ``W_out``. Zero padding counts
    in the average (the divisor is always KH*KW).

    Parameters
    ----------
    kernel_size, stride, pad, naive
        As for :class:`MaxPool2d`.
    """

    forward_op, backward_op = "avg_pool_forward", "avg_pool_backward"
