"""Notebook 00, welcome and data: turning MNIST's bytes into the network's input."""

from __future__ import annotations

import numpy as np

from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import mistake


def to_nchw(images):
    """(N, 28, 28) uint8 pixels 0..255 -> (N, 1, 28, 28) float64 in [0, 1]."""
    return images[:, None].astype(np.float64) / 255


def _images(rng, n):
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[:, 0, :2] = (0, 255)  # both ends of the range, always
    return images


def cases(rng):
    return [
        Case(_("a batch of 3 images"), (_images(rng, 3),)),
        Case(_("a batch of one image"), (_images(rng, 1),)),
        Case(_("a batch of 5 images"), (_images(rng, 5),)),
    ]


def _not_scaled(images):
    return images[:, None].astype(np.float64)


def _integer_division(images):
    return (images[:, None] // 255).astype(np.float64)


def _minus_one_to_one(images):
    return images[:, None].astype(np.float64) / 127.5 - 1


def _channel_last(images):
    return images[..., None].astype(np.float64) / 255


def _no_channel_axis(images):
    return images.astype(np.float64) / 255


register(Exercise(
    id="to_nchw", notebook="00", kind="function", points=1,
    title=N_("to_nchw(images): uint8 (N, 28, 28) pixels -> float64 (N, 1, 28, 28) in [0, 1]"),
    reference=to_nchw, cases=cases,
    mistakes=(
        mistake("not scaled",
                N_("the values still run from 0 to 255: divide the converted pixels by 255 to bring them "
                   "into [0, 1]"),
                _not_scaled),
        mistake("integer division",
                N_("every value is 0 or 1: integer division // by 255 throws the grey levels away; "
                   "convert to floats first, then divide with /"),
                _integer_division),
        mistake("scaled to [-1, 1]",
                N_("the values lie in [-1, 1]: this exercise asks for [0, 1], a plain division by 255 with "
                   "no shift"),
                _minus_one_to_one),
        mistake("channel axis last",
                N_("the channel axis was added last, (N, 28, 28, 1): cnnlab is NCHW, so the new axis goes "
                   "right after the batch axis"),
                _channel_last),
        mistake("no channel axis",
                N_("the result has no channel axis: a convolution expects (N, C, H, W), so add an axis of "
                   "length 1 after the batch axis"),
                _no_channel_axis),
    ),
))
