"""RMSProp: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

import numpy as np

from .._options import check_bool, check_real, reject_unknown
from .base import Optimizer


class RMSProp(Optimizer):
    """RMSProp (Hinton, 2012), with the update rule of ``torch.optim.RMSprop``.

    For each parameter ``p`` with gradient ``g``, at every step::

        d = g + weight_decay * p                  # L2 penalty, added to the gradient
        s = alpha * s + (1 - alpha) * d * d       # running mean of squares, starts at 0
        a = s                                     # or, centered: a = s - ga**2 with
                                                  #   ga = ga + (1 - alpha) * (d - ga)
        r = sqrt(a) + eps
        b = momentum * b + d / r;  p = p - lr * b     (momentum > 0)
        p = p - lr * d / r                            (momentum = 0)

    Parameters
    ----------
    model : cnnlab.layers.Module
    lr : float >= 0
    alpha : float in [0, 1)
        Decay rate of the running mean of squared gradients.
    eps : float > 0
    momentum : float in [0, 1)
    weight_decay : float >= 0
        L2 coefficient added to the gradient.
    centered : bool
        Divide by an estimate of the gradient's variance instead of its raw
        second moment.

    Attributes
    ----------
    state : ``{"square_avg": ...}``, plus ``"velocity"`` (momentum > 0) and
        ``"grad_avg"`` (centered), shapes of the parameters
    """

    def __init__(self, model, lr, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0,
                 centered=False, **unknown):
        reject_unknown("RMSProp", unknown,
                       ["lr", "alpha", "eps", "momentum", "weight_decay", "centered"])
        self.alpha = check_real("RMSProp", "alpha", alpha, low=0.0, high=1.0, high_open=True)
        self.eps = check_real("RMSProp", "eps", eps, low=0.0, low_open=True)
        self.momentum = check_real("RMSProp", "momentum", momentum, low=0.0, high=1.0,
                                   high_open=True)
        self.weight_decay = check_real("RMSProp", "weight_decay", weight_decay, low=0.0)
        self.centered = check_bool("RMSProp", "centered", centered)
        super().__init__(model, lr)

    def _buffer_names(self):
        return (("square_avg",) + (("velocity",) if self.momentum else ())
                + (("grad_avg",) if self.centered else ()))

    def _hyperparameters(self):
        return {"alpha": self.alpha, "eps": self.eps, "momentum": self.momentum,
                "weight_decay": self.weight_decay, "centered": self.centered}

    def _update(self, name, p, g, t):
        alpha = self.alpha
        tmp, tmp2 = self._scratch[name]
        s = self.state["square_avg"][name]
        d = g
        if self.weight_decay:
            np.multiply(p, self.weight_decay, out=tmp)
            tmp += g                                  # d = g + wd * p
            d = tmp
        s *= alpha
        np.multiply(d, d, out=tmp2)
        tmp2 *= 1 - alpha
        s += tmp2                                     # s = alpha * s + (1 - alpha) * d^2
        if self.centered:
            ga = self.state["grad_avg"][name]
            np.subtract(d, ga, out=tmp2)
            tmp2 *= 1 - alpha
            ga += tmp2                                # ga = ga + (1 - alpha) * (d - ga)
            np.multiply(ga, ga, out=tmp2)
            np.subtract(s, tmp2, out=tmp2)            # s - ga^2
            np.sqrt(tmp2, out=tmp2)
        else:
            np.sqrt(s, out=tmp2)
        tmp2 += self.eps                              # r = sqrt(a) + eps
        np.divide(d, tmp2, out=tmp2)                  # d / r
        if self.momentum:
            b = self.state["velocity"][name]
            b *= self.momentum
            b += tmp2                                 # b = momentum * b + d / r
            np.multiply(b, self.lr, out=tmp2)
        else:
            tmp2 *= self.lr
        p -= tmp2
