"""The fast path: LeNet-5 training at PyTorch's speed, in NumPy.

``LeNet5(..., fast=True)`` computes with these kernels; its parameters,
gradients, ``state_dict()`` and NCHW interface stay those of the reference
model (tests check that both agree to 1e-10 in float64). What makes it fast,
each measured on LeNet-5 on a 2-core CPU:

* **layout** (:mod:`~cnnlab.fast.layout`): inside, arrays are (C, H, W, N),
  the batch innermost, so im2col's shifted windows are long contiguous runs
  (3x faster than NCHW);
* **convolution** (:mod:`~cnnlab.fast.conv`): im2col and col2im as loops over
  the kernel offsets (col2im 1.6x faster than ``np.add.at``), ``matmul``
  rather than ``einsum`` (2x), conv1's skinny products in pieces of 4,096
  columns (2-3x), each piece of its unrolled input built just before use;
* **pooling** (:mod:`~cnnlab.fast.pool`): max of strided sub-grids (2x faster
  than reshape-and-max), with ReLU and the conv bias moved after the pooling
  where they touch 4x fewer numbers (:class:`~cnnlab.fast.stages.ConvReLUMaxPool`);
* **masks, not np.where** (:class:`~cnnlab.fast.stages.ReLU`): ``dout * mask``
  instead of ``np.where(mask, dout, 0)``, 10x faster on random masks.

Importing this package changes nothing outside it. (It used to raise glibc's
malloc thresholds for the whole process; glibc's own adaptive threshold
already keeps the step's big temporaries in the heap, and
``benchmarks/bench_train.py`` showed no difference beyond the noise.)

``benchmarks/bench_train.py`` measures the whole against PyTorch.
"""

from .conv import col2im_chwn, conv2d_backward_chwn, conv2d_forward_chwn, im2col_chwn
from .layout import chwn_to_nchw, nchw_to_chwn
from .path import FastPath, build_stages
from .pool import (avg_pool_backward_chwn, avg_pool_forward_chwn, max_pool_backward_chwn,
                   max_pool_forward_chwn)

__all__ = ["FastPath", "avg_pool_backward_chwn", "avg_pool_forward_chwn",
           "build_stages", "chwn_to_nchw", "col2im_chwn", "conv2d_backward_chwn",
           "conv2d_forward_chwn", "im2col_chwn", "max_pool_backward_chwn", "max_pool_forward_chwn",
           "nchw_to_chwn"]
