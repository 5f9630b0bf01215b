"""Pooling layers."""

from __future__ import annotations

from .. import functional as F
from .._checks import pair
from .module import Module


class _Pool(Module):
    _functions = None  # (forward, backward, forward_naive, backward_naive)

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
        forward = self._functions[2] if self.naive else self._functions[0]
        out, self._cache = forward(x, self.kernel_size, self.stride, self.pad)
        return out

    def backward(self, dout):
        backward = self._functions[3] if self.naive else self._functions[1]
        return backward(dout, self._take_cache()).dx

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

    _functions = (F.max_pool_forward, F.max_pool_backward,
                  F.max_pool_forward_naive, F.max_pool_backward_naive)


class AvgPool2d(_Pool):
    """Average pooling: (N, C, H, W) in, (N, C, H_out, W_out) out.

    ``H_out = (H + 2*PH - KH) // SH + 1``, likewise ``W_out``. Zero padding counts
    in the average (the divisor is always KH*KW).

    Parameters
    ----------
    kernel_size, stride, pad, naive
        As for :class:`MaxPool2d`.
    """

    _functions = (F.avg_pool_forward, F.avg_pool_backward,
                  F.avg_pool_forward_naive, F.avg_pool_backward_naive)
