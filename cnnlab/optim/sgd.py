"""Stochastic gradient descent with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

import numpy as np

from .._options import check_bool, check_real, reject_unknown
from .base import Optimizer


class SGD(Optimizer):
    """SGD, with the update rule of ``torch.optim.SGD`` (dampening 0).

    For each parameter ``p`` with gradient ``g``, at every step::

        d = g + weight_decay * p                  # L2 penalty, added to the gradient
        v = momentum * v + d                      # velocity, starts at 0 (so v = d at step 1)
        d = d + momentum * v   if nesterov else   d = v     (only when momentum > 0)
        p = p - lr * d

    Parameters
    ----------
    model : cnnlab.layers.Module
        Its ``named_params()`` arrays are updated in place from ``named_grads()``.
    lr : float >= 0
        Learning rate (an attribute; schedules set it).
    momentum : float in [0, 1)
        0 (default): plain SGD, no velocity kept.
    nesterov : bool
        Nesterov momentum (needs ``momentum > 0``).
    weight_decay : float >= 0
        L2 coefficient ``lambda`` of ``lambda/2 * ||p||^2``, added to the gradient
        as ``lambda * p`` (as in PyTorch's SGD, not decoupled).

    Attributes
    ----------
    state : ``{"velocity": {name: (same shape as the parameter)}}`` when momentum > 0

    Examples
    --------
    >>> opt = SGD(model, lr=0.05, momentum=0.9)             # doctest: +SKIP
    >>> scores = model.forward(x); loss = loss_fn(scores, y)  # doctest: +SKIP
    >>> model.backward(loss_fn.backward()); opt.step()       # doctest: +SKIP
    """

    def __init__(self, model, lr, momentum=0.0, nesterov=False, weight_decay=0.0, **unknown):
        reject_unknown("SGD", unknown, ["lr", "momentum", "nesterov", "weight_decay"])
        self.momentum = check_real("SGD", "momentum", momentum, low=0.0, high=1.0, high_open=True)
        self.nesterov = check_bool("SGD", "nesterov", nesterov)
        self.weight_decay = check_real("SGD", "weight_decay", weight_decay, low=0.0)
        if self.nesterov and self.momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0, got momentum=0")
        super().__init__(model, lr)

    def _buffer_names(self):
        return ("velocity",) if self.momentum else ()

    def _hyperparameters(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov,
                "weight_decay": self.weight_decay}

    def _update(self, name, p, g, t):
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        tmp, tmp2 = self._scratch[name]
        d = g
        if wd:
            np.multiply(p, wd, out=tmp)
            tmp += g                      # d = g + wd * p
            d = tmp
        if mu:
            v = self.state["velocity"][name]
            v *= mu
            v += d                        # v = mu * v + d
            if self.nesterov:
                np.multiply(v, mu, out=tmp2)
                tmp2 += d                 # d = d + mu * v
                d = tmp2
            else:
                d = v
        np.multiply(d, lr, out=tmp2)
        p -= tmp2                         # p = p - lr * d
