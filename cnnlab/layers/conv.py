"""2-D convolution layer."""

from __future__ import annotations

import numpy as np

from .._checks import pair
from .._options import check_int
from ..init import initialize
from .module import Module


class Conv2d(Module):
    """Convolution: (N, C, H, W) in, (N, F, H_out, W_out) out.

    ``H_out = (H + 2*PH - KH) // SH + 1`` and ``W_out = (W + 2*PW - KW) // SW + 1``
    (the stride must tile the padded input exactly).

    Parameters
    ----------
    in_channels : int
        C.
    out_channels : int
        F, the number of filters.
    kernel_size : int or (KH, KW)
    rng : numpy.random.Generator
        Draws the initial weights.
    stride : int or (SH, SW)
    pad : int or (PH, PW)
        Zero padding on each side.
    bias : bool
    init : str or callable
        ``"he"`` by default; see :mod:`cnnlab.init`.
    naive : bool
        Use the loop implementation (slow; for teaching and testing).
    dtype : numpy dtype, default float32

    Attributes
    ----------
    params : ``"w"`` (F, C, KH, KW) and ``"b"`` (F,)
    """

    forward_op, backward_op = "conv2d_forward", "conv2d_backward"

    def __init__(self, in_channels, out_channels, kernel_size, *, rng, stride=1, pad=0, bias=True,
                 init="he", naive=False, dtype=np.float32):
        super().__init__()
        kh, kw = pair("Conv2d", "kernel_size", kernel_size, minimum=1)
        self.stride = pair("Conv2d", "stride", stride, minimum=1)
        self.pad = pair("Conv2d", "pad", pad, minimum=0)
        self.naive = bool(naive)
        shape = (check_int("Conv2d", "out_channels", out_channels, low=1),
                 check_int("Conv2d", "in_channels", in_channels, low=1), kh, kw)
        self._set_param("w", initialize(shape, init, rng, dtype))
        if bias:
            self._set_param("b", np.zeros(shape[0], dtype=dtype))

    def forward(self, x):
        out, self._cache = self._op("forward")(x, self.params["w"], self.params.get("b"), self.stride, self.pad)
        return out

    def extra_repr(self):
        f, c, kh, kw = self.params["w"].shape
        return (f"{c}, {f}, kernel_size={(kh, kw)}, stride={self.stride}, pad={self.pad}, "
                f"bias={'b' in self.params}{', naive=True' if self.naive else ''}")
