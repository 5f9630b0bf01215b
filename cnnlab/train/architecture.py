"""The network of a model as text, which every checkpoint records.

A resume into another network must be refused, and the parameters alone cannot
tell: swapping ReLU for tanh, or max for average pooling, keeps every
parameter's shape. :func:`architecture_of` lists the layers and their settings;
:func:`architecture_difference` says where two such lists part.
"""

from __future__ import annotations

__all__ = ["architecture_of", "architecture_difference"]


def architecture_of(model) -> list[str]:
    """The network of ``model`` as text: its class, then one line per layer, depth first.

    E.g. ``["LeNet5", "conv1: Conv2d(1, 6, kernel_size=(5, 5), ...)", "relu1: ReLU()", ...]``.
    Every checkpoint records it, and a resume into another network is refused:
    swapping an activation or a pooling keeps every parameter's shape, so the
    parameters alone cannot tell. How the weights were initialised, and
    whether the fast path computes it, are not part of it.
    """
    lines = [type(model).__name__]

    def visit(prefix, module):
        for name, child in getattr(module, "children", list)():
            if getattr(child, "children", list)():
                visit(f"{prefix}{name}.", child)
            else:
                settings = getattr(child, "extra_repr", str)()
                lines.append(f"{prefix}{name}: {type(child).__name__}({settings})")
    visit("", model)
    return lines


def architecture_difference(saved: list, mine: list) -> str | None:
    """How the network ``mine`` differs from ``saved`` (both :func:`architecture_of`), or None."""
    if saved == mine:
        return None
    for index, (a, b) in enumerate(zip(saved, mine)):
        if a != b:
            what = "the model" if index == 0 else f"layer {index}"
            return f"{what} is {b!r} here but {a!r} in the checkpoint"
    return (f"the model has {len(mine) - 1} layers here but {len(saved) - 1} in the checkpoint "
            f"(the first {min(len(saved), len(mine)) - 1} alike)")
