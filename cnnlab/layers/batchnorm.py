"""Batch normalisation layers."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._options import check_int
from .module import Module


class _BatchNorm(Module):
    backward_op = "batchnorm_backward"

    def __init__(self, num_features, *, momentum=0.1, eps=1e-5, dtype=np.float32):
        super().__init__()
        if not 0 <= momentum <= 1:
            raise ValueError(f"{type(self).__name__}: expected momentum in [0, 1], got {momentum!r}")
        if not eps > 0:
            raise ValueError(f"{type(self).__name__}: expected eps > 0, got {eps!r}")
        self.num_features = check_int(type(self).__name__, "num_features", num_features, low=1)
        self.momentum, self.eps = float(momentum), float(eps)
        self._set_param("gamma", np.ones(self.num_features, dtype=dtype))
        self._set_param("beta", np.zeros(self.num_features, dtype=dtype))
        self.buffers["running_mean"] = np.zeros(self.num_features, dtype=dtype)
        self.buffers["running_var"] = np.ones(self.num_features, dtype=dtype)

    def forward(self, x):
        out, self._cache = self._op("forward")(
            x, self.params["gamma"], self.params["beta"], train=self.training,
            running_mean=self.buffers["running_mean"], running_var=self.buffers["running_var"],
            eps=self.eps)
        if self.training:
            self._update_running_stats(self._cache)
        return out

    def _update_running_stats(self, cache):
        """Move the running statistics towards the batch's (a train-mode forward's ``cache``)."""
        mean, var = F.update_running_stats(self.buffers["running_mean"], self.buffers["running_var"],
                                           cache, self.momentum)
        # in place, so that a state_dict taken earlier is not aliased and views stay valid
        np.copyto(self.buffers["running_mean"], mean)
        np.copyto(self.buffers["running_var"], var)

    def extra_repr(self):
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"


class BatchNorm1d(_BatchNorm):
    """Batch norm over features: (N, D) in, (N, D) out.

    Train mode normalises each feature with the batch mean and variance and
    updates the running statistics (``running = (1 - momentum) * running +
    momentum * batch``, unbiased variance, as PyTorch); eval mode uses them.

    Parameters
    ----------
    num_features : int
        D.
    momentum : float
    eps : float
    dtype : numpy dtype

    Attributes
    ----------
    params : ``"gamma"`` (D,) starting at 1, ``"beta"`` (D,) at 0
    buffers : ``"running_mean"`` (D,) at 0, ``"running_var"`` (D,) at 1
    """

    forward_op = "batchnorm_forward"


class BatchNorm2d(_BatchNorm):
    """Spatial batch norm: (N, C, H, W) in, (N, C, H, W) out.

    Each channel is normalised over the batch and all its pixels (N*H*W values).
    Parameters and buffers as :class:`BatchNorm1d`, with C features.
    """

    forward_op = "spatial_batchnorm_forward"
