"""Optimizers and learning-rate schedules.

* :class:`SGD` (momentum, Nesterov, weight decay), :class:`Adam` (bias
  correction), :class:`RMSProp`: each ``step()`` reads ``model.named_grads()``
  and updates ``model.named_params()`` in place, with the update formulas of
  ``torch.optim`` (written out in each class's docstring);
* :mod:`~cnnlab.optim.schedules`: ``lr = schedule(epoch)`` functions, set on
  ``optimizer.lr`` by the trainer before every step.

Every optimizer and schedule has ``state_dict()`` / ``load_state_dict()`` of
plain scalars and arrays (optimizer buffers named ``"velocity.conv1.w"``,
``"exp_avg.fc1.b"``...), which a checkpoint stores in its ``.npz``.

>>> import numpy as np
>>> from cnnlab.models import MLP
>>> model = MLP((4, 3, 2), rng=np.random.default_rng(0))
>>> opt = SGD(model, lr=0.1, momentum=0.9)
>>> sorted(k for k in opt.state_dict() if k.startswith("velocity."))
['velocity.fc1.b', 'velocity.fc1.w', 'velocity.fc2.b', 'velocity.fc2.w']
"""

from .adam import Adam
from .base import Optimizer
from .rmsprop import RMSProp
from .schedules import (
    ConstantSchedule,
    CosineSchedule,
    ExponentialSchedule,
    LinearWarmup,
    Schedule,
    StepSchedule,
)
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "RMSProp", "Schedule", "ConstantSchedule",
           "StepSchedule", "ExponentialSchedule", "CosineSchedule", "LinearWarmup"]
