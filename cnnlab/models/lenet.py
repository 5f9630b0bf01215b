"""LeNet-5, as in LeCun et al. (1998), and its modern variant."""

from __future__ import annotations

import numpy as np

from .. import layers as L
from .fastpath import FastPathModel

_ACTIVATIONS = {"relu": L.ReLU, "tanh": L.Tanh, "sigmoid": L.Sigmoid}
_POOLS = {"max": L.MaxPool2d, "avg": L.AvgPool2d}
_VARIANTS = {
    # activation, pooling, default initialiser
    "modern": ("relu", "max", "he"),
    "classic": ("tanh", "avg", "xavier"),
}


class LeNet5(FastPathModel):
    """LeNet-5 for 28x28 greyscale digits: (N, 1, 28, 28) in, (N, 10) class scores out.

    ======  ==========================================  ================
    layer   what                                        output
    ======  ==========================================  ================
    conv1   6 filters 5x5, pad 2                        (N, 6, 28, 28)
    act1    ReLU (modern) or tanh/sigmoid (classic)
    pool1   2x2, stride 2: max (modern) or average      (N, 6, 14, 14)
    conv2   16 filters 5x5                              (N, 16, 10, 10)
    act2
    pool2   2x2, stride 2                               (N, 16, 5, 5)
    flatten                                             (N, 400)
    fc1     400 -> 120, then act3                       (N, 120)
    fc2     120 -> 84, then act4                        (N, 84)
    fc3     84 -> 10: the class scores (logits)         (N, 10)
    ======  ==========================================  ================

    61,706 parameters (61,728 with batch norm: gamma and beta replace the conv
    biases). Activation layers are named
    after their function: ``relu1`` ... ``relu4`` (or ``tanh1`` ...).

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the initial weights (and dropout masks).
    variant : {"modern", "classic"}
        ``"modern"``: ReLU, max pooling, He initialisation. ``"classic"``: the
        1998 choices, tanh and average pooling, Xavier initialisation (the
        original's trainable subsampling and RBF output are simplified away).
    activation : {"relu", "tanh", "sigmoid"}, optional
        Overrides the variant's activation.
    pooling : {"max", "avg"}, optional
        Overrides the variant's pooling.
    batchnorm : bool
        Add spatial batch norm after each convolution (bn1, bn2), whose biases
        then become redundant and are dropped.
    dropout : float
        Drop probability of a dropout layer before fc1 and before fc3 (0: none).
    init : str or callable, optional
        Weight initialiser (see :mod:`cnnlab.init`); default from the variant.
    dtype : numpy dtype
        float32 (default) for training, float64 for gradient checks.
    fast : bool
        Compute ``forward`` and ``backward`` with :mod:`cnnlab.fast`'s kernels
        (training about 6x faster than with the reference layers, and about as fast as
        PyTorch on a 2-core CPU: ``benchmarks/bench_train.py``). Same layers,
        parameter names, ``state_dict()`` and NCHW input and output; results
        equal the reference's to rounding (1e-10 in float64), and every option
        above is supported (see :class:`~cnnlab.models.fastpath.FastPathModel`).
    """

    def __init__(self, *, rng, variant="modern", activation=None, pooling=None, batchnorm=False,
                 dropout=0.0, init=None, dtype=np.float32, fast=False):
        if variant not in _VARIANTS:
            raise ValueError(f"LeNet5: unknown variant {variant!r}; expected one of {sorted(_VARIANTS)}")
        default_activation, default_pooling, default_init = _VARIANTS[variant]
        activation = activation or default_activation
        pooling = pooling or default_pooling
        if activation not in _ACTIVATIONS:
            raise ValueError(f"LeNet5: unknown activation {activation!r}; expected one of {sorted(_ACTIVATIONS)}")
        if pooling not in _POOLS:
            raise ValueError(f"LeNet5: unknown pooling {pooling!r}; expected one of {sorted(_POOLS)}")
        if not 0 <= dropout < 1:
            raise ValueError(f"LeNet5: expected dropout in [0, 1), got {dropout!r}")
        init = init or default_init
        act, pool = _ACTIVATIONS[activation], _POOLS[pooling]
        kw = dict(rng=rng, init=init, dtype=dtype)

        def conv_block(index, in_channels, out_channels, pad):
            block = [(f"conv{index}", L.Conv2d(in_channels, out_channels, 5, pad=pad, bias=not batchnorm, **kw))]
            if batchnorm:
                block.append((f"bn{index}", L.BatchNorm2d(out_channels, dtype=dtype)))
            return block + [(f"{activation}{index}", act()), (f"pool{index}", pool(2))]

        def dropout_layer(name):
            return [(name, L.Dropout(dropout, rng=rng))] if dropout else []

        super().__init__(
            *conv_block(1, 1, 6, pad=2),
            *conv_block(2, 6, 16, pad=0),
            ("flatten", L.Flatten()),
            *dropout_layer("drop1"),
            ("fc1", L.Linear(400, 120, **kw)), (f"{activation}3", act()),
            ("fc2", L.Linear(120, 84, **kw)), (f"{activation}4", act()),
            *dropout_layer("drop2"),
            ("fc3", L.Linear(84, 10, **kw)),
        )
        self.config = dict(variant=variant, activation=activation, pooling=pooling, batchnorm=batchnorm,
                           dropout=dropout, init=init if isinstance(init, str) else getattr(init, "__name__", "custom"),
                           fast=bool(fast))
        self._use_fast_path(fast)

    def __repr__(self):
        options = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"LeNet5({options})\n" + super().__repr__()
