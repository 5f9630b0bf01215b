"""cnnlab: a convolutional neural network built from scratch in NumPy, for teaching.

* :mod:`cnnlab.functional`: pure ``forward -> (out, cache)`` and
  ``backward(dout, cache) -> grads`` functions for every layer;
* :mod:`cnnlab.layers`: layer classes with named parameters and gradients;
* :mod:`cnnlab.gradcheck`: numerical gradient checking;
* :mod:`cnnlab.init`: weight initialisers.
"""

from . import functional, gradcheck, init, layers

__version__ = "0.1.0"

__all__ = ["functional", "gradcheck", "init", "layers", "__version__"]
