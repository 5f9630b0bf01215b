"""The fast path of :class:`cnnlab.models.LeNet5` and :class:`~cnnlab.models.DeepCNN`: every layer as a fast stage.

:class:`FastPath` runs a model's layers as :mod:`cnnlab.fast.stages`: the
convolutional part on (C, H, W, N) arrays, the classifier on (N, D) rows.
The stages compute with the parameters of the model's own layer objects and
hand them their gradients, so the model keeps its names, ``state_dict()`` and
NCHW interface: input (N, 1, 28, 28), output (N, 10), dx (N, 1, 28, 28).

Every LeNet5 option runs here; none falls back to the reference layers:

* ReLU with max pooling and no batch norm (the modern variant): each conv
  block is one fused :class:`~cnnlab.fast.stages.ConvReLUMaxPool` stage;
* other activations, average pooling or batch norm: conv, batch norm,
  activation and pooling stages one after the other, still in (C, H, W, N);
* dropout: the model's own :class:`~cnnlab.layers.Dropout` layers, which draw
  the same masks from the same generator as in the reference model.
"""

from __future__ import annotations

from .. import functional as F
from .. import layers as L
from ..layers.module import NO_CACHE
from . import stages as S


def _fuses_conv_relu_max_pool(layers, i):
    """True when layers i, i+1, i+2 are a conv with a bias, a ReLU and a max pooling."""
    window = [layer for _, layer in layers[i:i + 3]]
    return (len(window) == 3 and isinstance(window[0], L.Conv2d) and "b" in window[0].params
            and type(window[1]) is L.ReLU and isinstance(window[2], L.MaxPool2d))


def _stage(name, layer, first):
    """The fast stage for one layer."""
    if isinstance(layer, L.Conv2d):
        return S.Conv(name, layer, takes_nchw=first)
    if first:
        raise ValueError(f"fast path: the first layer must be a Conv2d, got {name} ({type(layer).__name__})")
    if isinstance(layer, L.BatchNorm2d):
        return S.BatchNorm(name, layer)
    if type(layer) is L.ReLU:
        return S.ReLU(name)
    if type(layer) is L.Tanh:
        return S.Activation(name, F.tanh_forward, F.tanh_backward)
    if type(layer) is L.Sigmoid:
        return S.Activation(name, F.sigmoid_forward, F.sigmoid_backward)
    if isinstance(layer, (L.MaxPool2d, L.AvgPool2d)):
        return S.Pool(name, layer)
    if isinstance(layer, L.Flatten):
        return S.Flatten(name)
    if isinstance(layer, L.Linear):
        return S.Linear(name, layer)
    if isinstance(layer, L.Dropout):
        return S.Wrapped(name, layer)
    raise ValueError(f"fast path: no fast stage for layer {name} ({type(layer).__name__})")


def build_stages(layers):
    """Turn a model's ``(name, layer)`` pairs into fast stages.

    A conv with a bias followed by ReLU and max pooling becomes one fused
    stage; every other layer becomes one stage. The first stage (a conv) takes
    the model's NCHW input; the ``Flatten`` stage turns (C, H, W, N) into rows.
    """
    stages, i = [], 0
    while i < len(layers):
        first = not stages
        if _fuses_conv_relu_max_pool(layers, i):
            names = [name for name, _ in layers[i:i + 3]]
            k = S.pool_window(names[2], layers[i + 2][1])
            stages.append(S.ConvReLUMaxPool("+".join(names), layers[i][1], k, takes_nchw=first))
            i += 3
        else:
            stages.append(_stage(*layers[i], first))
            i += 1
    return stages


class FastPath:
    """Forward and backward of a model's layers with the fast stages.

    Parameters
    ----------
    model : cnnlab.layers.Sequential
        E.g. a LeNet5: its layers hold the parameters, gradients and buffers;
        this object only computes.
    """

    def __init__(self, model):
        self.stages = build_stages(model.layers)

    def forward(self, x):
        """Class scores for a batch.

        Parameters
        ----------
        x : ndarray, shape (N, C, H, W); not modified

        Returns
        -------
        ndarray, shape (N, num_classes), a new array

        A bad ``x`` (not floats, not 4-D, wrong channels, an image size the
        layers do not fit) raises the error the reference layers raise.
        """
        for stage in self.stages:
            x = stage.forward(x)
        return x

    def backward(self, dout, *, input_grad=True):
        """Gradients of the last forward; fills every layer's ``grads``.

        Parameters
        ----------
        dout : ndarray, shape (N, num_classes); not modified. Checked as the
            reference's last layer checks it, with its message.
        input_grad : bool
            False skips the gradient of the input (training needs none) and returns None.

        Returns
        -------
        dx : ndarray, shape (N, C, H, W), a new array; or None
        """
        if self.stages[-1]._cache is NO_CACHE:  # every stage has one after a forward, none after forget()
            raise RuntimeError("LeNet5 (fast).backward: call forward first")
        for index in reversed(range(len(self.stages))):
            dout = self.stages[index].backward(dout, input_grad=input_grad or index > 0)
        return dout

    def forget(self):
        """Drop every cache, so a backward needs a new forward."""
        for stage in self.stages:
            stage.forget()
