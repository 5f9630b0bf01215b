"""Adam: adaptive moment estimation, with bias correction."""

from __future__ import annotations

import math

import numpy as np

from .._options import check_real, reject_unknown
from .base import Optimizer


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), with the update rule of ``torch.optim.Adam``.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        d = g + weight_decay * p                  # L2 penalty, added to the gradient
        m = m + (1 - beta1) * (d - m)             # = beta1 * m + (1 - beta1) * d
        v = beta2 * v + (1 - beta2) * d * d
        m_hat = m / (1 - beta1 ** t)              # bias correction: m and v start at 0
        v_hat = v / (1 - beta2 ** t)
        p = p - lr * m / (1 - beta1 ** t) / (sqrt(v) / sqrt(1 - beta2 ** t) + eps)

    The last line is PyTorch's arrangement of ``p - lr * m_hat / (sqrt(v_hat) + eps)``
    (``eps`` is added after dividing by ``sqrt(1 - beta2**t)``).

    Parameters
    ----------
    model : cnnlab.layers.Module
    lr : float >= 0
    betas : (float, float), each in [0, 1)
        Decay rates of the first and second moment averages.
    eps : float > 0
    weight_decay : float >= 0
        L2 coefficient added to the gradient (Adam's, not AdamW's decoupled decay).

    Attributes
    ----------
    state : ``{"exp_avg": {name: m}, "exp_avg_sq": {name: v}}``, shapes of the parameters
    """

    def __init__(self, model, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, **unknown):
        reject_unknown("Adam", unknown, ["lr", "betas", "eps", "weight_decay"])
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam: expected betas to be a pair (beta1, beta2), got {betas!r}")
        self.betas = (check_real("Adam", "betas[0]", betas[0], low=0.0, high=1.0, high_open=True),
                      check_real("Adam", "betas[1]", betas[1], low=0.0, high=1.0, high_open=True))
        self.eps = check_real("Adam", "eps", eps, low=0.0, low_open=True)
        self.weight_decay = check_real("Adam", "weight_decay", weight_decay, low=0.0)
        super().__init__(model, lr)

    def _buffer_names(self):
        return ("exp_avg", "exp_avg_sq")

    def _hyperparameters(self):
        return {"beta1": self.betas[0], "beta2": self.betas[1], "eps": self.eps,
                "weight_decay": self.weight_decay}

    def _update(self, name, p, g, t):
        beta1, beta2 = self.betas
        tmp, tmp2 = self._scratch[name]
        m, v = self.state["exp_avg"][name], self.state["exp_avg_sq"][name]
        d = g
        if self.weight_decay:
            np.multiply(p, self.weight_decay, out=tmp)
            tmp += g                                  # d = g + wd * p
            d = tmp
        np.subtract(d, m, out=tmp2)
        tmp2 *= 1 - beta1
        m += tmp2                                     # m = m + (1 - beta1) * (d - m)
        v *= beta2
        np.multiply(d, d, out=tmp2)
        tmp2 *= 1 - beta2
        v += tmp2                                     # v = beta2 * v + (1 - beta2) * d^2
        step_size = self.lr / (1 - beta1 ** t)
        np.sqrt(v, out=tmp2)
        tmp2 /= math.sqrt(1 - beta2 ** t)
        tmp2 += self.eps                              # denominator
        np.divide(m, tmp2, out=tmp2)
        tmp2 *= step_size
        p -= tmp2
