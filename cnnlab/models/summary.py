"""A layer-by-layer table of a model: output shapes and parameter counts."""

from __future__ import annotations

import numpy as np

from .._checks import shape_str
from ..i18n import _, columns, pad
from ..layers import eval_mode


def summary(model, input_shape, *, print_fn=print) -> str:
    """Print (and return) each layer, its output shape and its parameter count.

    Runs one forward pass in eval mode on zeros of ``input_shape`` (the batch
    dimension included, e.g. ``(1, 1, 28, 28)``); the model is left as it was
    (:func:`~cnnlab.layers.eval_mode`).

    Parameters
    ----------
    model : cnnlab.layers.Sequential
    input_shape : tuple of int, NCHW for image models
    print_fn : callable or None
        Where the table goes; None to only return it.

    Returns
    -------
    str
        The table.
    """
    layers = model.children() or [(type(model).__name__, model)]
    dtype = next(iter(model.named_params().values()), np.zeros(0, np.float32)).dtype
    rows = [(_("input"), shape_str(input_shape), 0)]
    with eval_mode(model):
        x = np.zeros(input_shape, dtype=dtype)
        for name, layer in layers:
            x = layer.forward(x)
            rows.append((f"{name} ({type(layer).__name__})", shape_str(x.shape), layer.num_params()))
    width = max(columns(r[0]) for r in rows) + 2
    header = pad(_("layer"), width) + pad(_("output shape"), 20) + pad(_("parameters"), 10, ">")
    lines = [header, "-" * (width + 30)]
    lines += [f"{pad(name, width)}{shape:<20}{count:>10,}" for name, shape, count in rows]
    lines += ["-" * (width + 30), pad(_("total"), width) + f"{'':<20}{model.num_params():>10,}"]
    table = "\n".join(lines)
    if print_fn is not None:
        print_fn(table)
    return table
