"""Layer classes: thin owners of parameters, gradients and buffers around
the pure functions of :mod:`cnnlab.functional`.

Every layer has ``forward(x) -> out`` and ``backward(dout) -> dx`` (which also
fills ``layer.grads``), ``train()``/``eval()``, and ``state_dict()`` /
``load_state_dict()`` of plain NumPy arrays. ``with eval_mode(model): ...`` looks
at a model without changing it.
"""

from .activations import ReLU, Sigmoid, Softmax, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .loss import SoftmaxCrossEntropyLoss
from .module import NO_CACHE, Module, Stateless
from .pooling import AvgPool2d, MaxPool2d
from .state import Snapshot, eval_mode

__all__ = ["AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "Dropout", "Flatten", "Linear",
           "MaxPool2d", "Module", "NO_CACHE", "ReLU", "Sequential", "Sigmoid", "Snapshot", "Softmax",
           "SoftmaxCrossEntropyLoss", "Stateless", "Tanh", "eval_mode"]
