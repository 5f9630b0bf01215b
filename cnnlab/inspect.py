"""Looking inside a network: the output of every layer for one forward pass.

>>> import numpy as np
>>> from cnnlab.models import LeNet5
>>> model = LeNet5(rng=np.random.default_rng(0))
>>> acts = activations(model, np.zeros((2, 1, 28, 28), np.float32))
>>> {name: out.shape for name, out in acts.items()}        # doctest: +NORMALIZE_WHITESPACE
{'conv1': (2, 6, 28, 28), 'relu1': (2, 6, 28, 28), 'pool1': (2, 6, 14, 14),
 'conv2': (2, 16, 10, 10), 'relu2': (2, 16, 10, 10), 'pool2': (2, 16, 5, 5),
 'flatten': (2, 400), 'fc1': (2, 120), 'relu3': (2, 120), 'fc2': (2, 84),
 'relu4': (2, 84), 'fc3': (2, 10)}
"""

from __future__ import annotations

import numpy as np

from ._checks import check_batch
from .layers import eval_mode

__all__ = ["activations"]


def activations(model, x) -> dict[str, np.ndarray]:
    """Every layer's output for one forward pass of ``x``, in eval mode, by layer name.

    Runs the layers of a :class:`~cnnlab.layers.Sequential` (such as
    :class:`~cnnlab.models.LeNet5`) one after the other, with the reference
    layers (``model["conv1"].forward``...) even when the model computes with
    the fast path, whose results are the same to rounding. Nothing changes
    (:func:`~cnnlab.layers.eval_mode`): every layer gets back its mode (train
    or eval), its running statistics, its random generators' states and the
    cache of its own last forward pass, so a ``backward`` that was due still works.

    Parameters
    ----------
    model : cnnlab.layers.Sequential
        Its ``layers`` are ``(name, layer)`` pairs.
    x : ndarray, shape (N, C, H, W), float
        E.g. ``(N, 1, 28, 28)`` MNIST digits in [0, 1], as ``load_mnist`` gives them.

    Returns
    -------
    dict of str -> ndarray
        In the order of the layers. For LeNet-5 and ``x`` of shape
        ``(N, 1, 28, 28)``: ``conv1``, ``relu1`` ``(N, 6, 28, 28)``; ``pool1``
        ``(N, 6, 14, 14)``; ``conv2``, ``relu2`` ``(N, 16, 10, 10)``;
        ``pool2`` ``(N, 16, 5, 5)``; ``flatten`` ``(N, 400)``; ``fc1``,
        ``relu3`` ``(N, 120)``; ``fc2``, ``relu4`` ``(N, 84)``; ``fc3``
        ``(N, 10)``, the class scores. Each array is its own copy: none is a
        view of ``x`` or of another entry.
    """
    func = "activations"
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not all(isinstance(item, tuple) and len(item) == 2
                                               for item in layers):
        raise TypeError(f"{func}: expected a cnnlab.layers.Sequential (a model with .layers, a list "
                        f"of (name, layer) pairs), such as LeNet5; got {type(model).__name__}")
    check_batch(func, x)

    outputs: dict[str, np.ndarray] = {}
    with eval_mode(model):
        h = x
        for name, layer in layers:
            out = layer.forward(h)
            if np.may_share_memory(out, h):  # e.g. Flatten's reshape, eval-mode Dropout
                out = out.copy()
            outputs[name] = out
            h = out
    return outputs
