"""Pure forward and backward functions, one contract for every layer.

* ``forward(inputs..., hyperparameters...) -> (out, cache)``
* ``backward(dout, cache) -> grads``, a named tuple with one field ``d<name>``
  per differentiable input of the forward, in the forward's argument order
  (``Conv2dGrads(dx, dw, db)``; single-input functions return ``InputGrads(dx)``).

Nothing here mutates an input or an upstream gradient, and nothing keeps
state: running statistics and random generators are passed in explicitly.
Shapes follow NCHW throughout.
"""

from ._grads import InputGrads
from .activations import (relu_backward, relu_forward, sigmoid_backward, sigmoid_forward,
                          tanh_backward, tanh_forward)
from .batchnorm import (BatchNormCache, BatchNormGrads, batchnorm_backward,
                        batchnorm_backward_graph, batchnorm_forward, spatial_batchnorm_backward,
                        spatial_batchnorm_forward, update_running_stats)
from .conv import (Conv2dCache, Conv2dGrads, conv2d_backward, conv2d_backward_naive,
                   conv2d_forward, conv2d_forward_naive)
from .dropout import dropout_backward, dropout_forward
from .flatten import flatten_backward, flatten_forward
from .im2col import col2im, im2col
from .linear import LinearGrads, linear_backward, linear_forward
from .pooling import (PoolCache, avg_pool_backward, avg_pool_backward_naive, avg_pool_forward,
                      avg_pool_forward_naive, max_pool_backward, max_pool_backward_naive,
                      max_pool_forward, max_pool_forward_naive)
from .softmax import (log_softmax, softmax_backward, softmax_backward_jacobian, softmax_cross_entropy_backward,
                      softmax_cross_entropy_forward, softmax_forward, softmax_jacobian)

__all__ = [
    "BatchNormCache", "BatchNormGrads", "Conv2dCache", "Conv2dGrads", "InputGrads", "LinearGrads",
    "PoolCache",
    "avg_pool_backward", "avg_pool_backward_naive", "avg_pool_forward", "avg_pool_forward_naive",
    "batchnorm_backward", "batchnorm_backward_graph", "batchnorm_forward",
    "col2im", "conv2d_backward", "conv2d_backward_naive", "conv2d_forward", "conv2d_forward_naive",
    "dropout_backward", "dropout_forward", "flatten_backward", "flatten_forward", "im2col",
    "linear_backward", "linear_forward", "log_softmax",
    "max_pool_backward", "max_pool_backward_naive", "max_pool_forward", "max_pool_forward_naive",
    "relu_backward", "relu_forward", "sigmoid_backward", "sigmoid_forward",
    "softmax_backward", "softmax_backward_jacobian", "softmax_cross_entropy_backward",
    "softmax_cross_entropy_forward", "softmax_forward", "softmax_jacobian",
    "spatial_batchnorm_backward", "spatial_batchnorm_forward",
    "tanh_backward", "tanh_forward", "update_running_stats",
]
