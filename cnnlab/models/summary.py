"""A layer-by-layer table of a model: output shapes and parameter counts."""

from __future__ import annotations

import numpy as np

from .._checks import shape_str


def summary(model, input_shape, *, print_fn=print) -> str:
    """Print (and return) each layer, its output shape and its parameter count.

    Runs one forward pass in eval mode on zeros of ``input_shape`` (the batch
    dimension included, e.g. ``(1, 1, 28, 28)``); the model's mode, running
    statistics and random generators are left as they were.

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
    was_training = model.training
    buffers = {name: value.copy() for name, value in model.named_buffers().items()}
    generator_states = [(g, g.bit_generator.state) for g in model.generators()]
    rows = [("input", shape_str(input_shape), 0)]
    try:
        model.eval()
        x = np.zeros(input_shape, dtype=dtype)
        for name, layer in layers:
            x = layer.forward(x)
            rows.append((f"{name} ({type(layer).__name__})", shape_str(x.shape), layer.num_params()))
    finally:
        model.train(was_training)
        for name, value in model.named_buffers().items():
            np.copyto(value, buffers[name])
        for generator, state in generator_states:
            generator.bit_generator.state = state
        model._forget_caches()
    width = max(len(r[0]) for r in rows) + 2
    lines = [f"{'layer':<{width}}{'output shape':<20}{'parameters':>10}", "-" * (width + 30)]
    lines += [f"{name:<{width}}{shape:<20}{count:>10,}" for name, shape, count in rows]
    lines += ["-" * (width + 30), f"{'total':<{width}}{'':<20}{model.num_params():>10,}"]
    table = "\n".join(lines)
    if print_fn is not None:
        print_fn(table)
    return table
