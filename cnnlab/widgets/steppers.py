"""Steppers: the mechanism of a layer, one step at a time, with the library's own numbers.

Each stepper computes every frame up front from :mod:`cnnlab.functional` and
shows them two ways: :meth:`~cnnlab.widgets.steppers_base.Stepper.strip`, a
static grid of small panels (what GitHub and nbviewer show), and
:meth:`~cnnlab.widgets.steppers_base.Stepper.widget`, a Play button and a slider
over the full-size frame (ipywidgets, needs a running kernel). In a notebook,
``ConvStepper(x, w, stride=2, pad=1).show()`` displays both.

========================  ====================================================================
:class:`ConvStepper`      the kernel sliding over a padded, strided input; each output's
                          multiply-add written out (notebook 04)
:class:`Im2colStepper`    im2col filling its matrix, one patch per row (notebook 04)
:class:`ConvBackwardStepper`  each upstream gradient entry adding ``g * w`` onto its window of
                          dx (notebook 05)
:class:`PoolStepper`      max or average pooling, forward, and where the backward sends each
                          gradient, ties included (notebook 06)
:class:`BatchNormStepper` a batch's distribution centred, scaled, then scaled and shifted
                          (notebook 07)
========================  ====================================================================

``stepper.frames`` holds each step's numbers (named tuples), for tests and for
reading; ``stepper.figure(step)`` draws one frame.
"""

from .steppers_base import Stepper
from .steppers_bn import BatchNormStage, BatchNormStepper
from .steppers_conv import (
                            ConvBackwardFrame,
                            ConvBackwardStepper,
                            ConvFrame,
                            ConvStepper,
                            Im2colFrame,
                            Im2colStepper,
)
from .steppers_pool import PoolFrame, PoolStepper

__all__ = [
                            "BatchNormStage",
                            "BatchNormStepper",
                            "ConvBackwardFrame",
                            "ConvBackwardStepper",
                            "ConvFrame",
                            "ConvStepper",
                            "Im2colFrame",
                            "Im2colStepper",
                            "PoolFrame",
                            "PoolStepper",
                            "Stepper",
]
