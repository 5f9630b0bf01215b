"""A deeper CNN than LeNet-5: four 3x3 convolutions in two blocks, in the style of VGG."""

from __future__ import annotations

import numpy as np

from .. import layers as L
from .._checks import check_float_array, check_ndim, shape_str
from .._options import check_int
from .fastpath import FastPathModel


class DeepCNN(FastPathModel):
    """Four 3x3 convolutions for 28x28 greyscale digits: (N, 1, 28, 28) in, (N, 10) class scores out.

    Two blocks of two convolutions each, then a max pooling, as in VGG
    (Simonyan and Zisserman, 2014): two stacked 3x3 convolutions see a 5x5
    window, like one of LeNet-5's, with a ReLU in between and fewer weights.
    With ``channels=(c1, c2)`` and ``hidden=h``:

    ======  ==========================================  ==================
    layer   what                                        output
    ======  ==========================================  ==================
    conv1   c1 filters 3x3, pad 1                       (N, c1, 28, 28)
    relu1
    conv2   c1 filters 3x3, pad 1                       (N, c1, 28, 28)
    relu2
    pool1   max 2x2, stride 2                           (N, c1, 14, 14)
    conv3   c2 filters 3x3, pad 1                       (N, c2, 14, 14)
    relu3
    conv4   c2 filters 3x3, pad 1                       (N, c2, 14, 14)
    relu4
    pool2   max 2x2, stride 2                           (N, c2, 7, 7)
    flatten                                             (N, 49 * c2)
    fc1     49 * c2 -> h, then relu5                    (N, h)
    fc2     h -> 10: the class scores (logits)          (N, 10)
    ======  ==========================================  ==================

    The default, ``channels=(8, 16)`` and ``hidden=128``, has 105,922
    parameters (LeNet-5: 61,706), most of them in fc1, and costs 1,287,040
    multiply-adds per image forward (LeNet-5: 416,520), three times as many.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the initial weights.
    channels : pair of int >= 1
        Filters of the convolutions of the first block and of the second.
    hidden : int >= 1
        Width of fc1.
    init : str or callable
        Weight initialiser (see :mod:`cnnlab.init`); He by default, for ReLU.
    dtype : numpy dtype
        float32 (default) for training, float64 for gradient checks.
    fast : bool
        Compute ``forward`` and ``backward`` with :mod:`cnnlab.fast`'s stages,
        as ``LeNet5(..., fast=True)`` does: the same layers, parameters and
        ``state_dict()``, the same results to rounding, several times faster
        (see :class:`~cnnlab.models.fastpath.FastPathModel`).
    """

    def __init__(self, *, rng, channels=(8, 16), hidden=128, init="he", dtype=np.float32, fast=False):
        if not isinstance(channels, (tuple, list)) or len(channels) != 2:
            raise ValueError(f"DeepCNN: expected channels as a pair of ints, e.g. (8, 16), got {channels!r}")
        c1, c2 = (check_int("DeepCNN", "channels", c, low=1) for c in channels)
        hidden = check_int("DeepCNN", "hidden", hidden, low=1)
        kw = dict(rng=rng, init=init, dtype=dtype)
        super().__init__(
            ("conv1", L.Conv2d(1, c1, 3, pad=1, **kw)), ("relu1", L.ReLU()),
            ("conv2", L.Conv2d(c1, c1, 3, pad=1, **kw)), ("relu2", L.ReLU()),
            ("pool1", L.MaxPool2d(2)),
            ("conv3", L.Conv2d(c1, c2, 3, pad=1, **kw)), ("relu3", L.ReLU()),
            ("conv4", L.Conv2d(c2, c2, 3, pad=1, **kw)), ("relu4", L.ReLU()),
            ("pool2", L.MaxPool2d(2)),
            ("flatten", L.Flatten()),
            ("fc1", L.Linear(49 * c2, hidden, **kw)), ("relu5", L.ReLU()),
            ("fc2", L.Linear(hidden, 10, **kw)),
        )
        self.config = dict(channels=(c1, c2), hidden=hidden,
                           init=init if isinstance(init, str) else getattr(init, "__name__", "custom"),
                           fast=bool(fast))
        # the fast path runs any chain of its stages (stride-1 convs, ReLU, KxK pooling,
        # flatten, linear), not only LeNet-5's
        self._use_fast_path(fast)

    def forward(self, x):
        """Class scores (N, 10) for a batch x (N, 1, 28, 28)."""
        if self._fast_path is not None:
            # checked here so that a mistake is reported as DeepCNN's, not the fast path's
            check_float_array("DeepCNN", "x", x)
            check_ndim("DeepCNN", "x", x, 4, "(N, 1, 28, 28)")
            if x.shape[1:] != self.input_shape[1:]:
                raise ValueError(f"DeepCNN: expected x of shape (N, 1, 28, 28), got {shape_str(x.shape)}")
        return super().forward(x)

    def __repr__(self):
        options = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"DeepCNN({options})\n" + super().__repr__()
