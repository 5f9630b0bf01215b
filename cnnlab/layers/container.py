"""Sequential: layers applied one after another."""

from __future__ import annotations

from .module import Module


class Sequential(Module):
    """Run layers in order forward, and in reverse order backward.

    Build it from layers (named ``"0"``, ``"1"``...) or from ``(name, layer)``
    pairs, whose names then prefix their parameters: ``"conv1.w"``.

    >>> import numpy as np
    >>> from cnnlab.layers import Sequential, Linear, ReLU
    >>> rng = np.random.default_rng(0)
    >>> net = Sequential(("fc1", Linear(4, 3, rng=rng)), ("relu", ReLU()), ("fc2", Linear(3, 2, rng=rng)))
    >>> sorted(net.named_params())
    ['fc1.b', 'fc1.w', 'fc2.b', 'fc2.w']
    """

    def __init__(self, *layers):
        super().__init__()
        self.layers: list[tuple[str, Module]] = []
        for index, item in enumerate(layers):
            name, layer = item if isinstance(item, tuple) else (str(index), item)
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: item {index} is {type(layer).__name__}, expected a layer "
                                f"(a cnnlab.layers.Module) or a (name, layer) pair")
            if not isinstance(name, str) or not name or "." in name:
                raise ValueError(f"Sequential: layer names must be non-empty strings without dots, got {name!r}")
            if name in dict(self.layers):
                raise ValueError(f"Sequential: duplicate layer name {name!r}")
            self.layers.append((name, layer))

    def children(self):
        return list(self.layers)

    def __getitem__(self, key):
        """A layer by position (``net[0]``) or by name (``net["conv1"]``)."""
        if isinstance(key, str):
            try:
                return dict(self.layers)[key]
            except KeyError:
                raise KeyError(f"Sequential has no layer {key!r}; layers: {[n for n, _ in self.layers]}") from None
        return self.layers[key][1]

    def __len__(self):
        return len(self.layers)

    def forward(self, x):
        for _, layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout, *, input_grad=True):
        """Every layer's backward, last to first; ``input_grad`` goes to the first (see :meth:`Module.backward`)."""
        for index in reversed(range(len(self.layers))):
            dout = self.layers[index][1].backward(dout, input_grad=input_grad or index > 0)
        return dout

    def __repr__(self):
        lines = [f"  ({name}): {layer!r}" for name, layer in self.layers]
        return "Sequential(\n" + "\n".join(lines) + "\n)"
