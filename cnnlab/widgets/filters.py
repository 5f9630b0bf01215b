"""FilterViewer: the weights of the convolution layers, at any stage of training."""

from __future__ import annotations

import numpy as np

from ..i18n import _
from ..i18n.fonts import figure_text
from ..viz import plot_filters
from ._common import Explorer, as_checkpoints, instructions, new_figure, picture, selector, show_figure

__all__ = ["FilterViewer"]


def conv_layers(model) -> list[str]:
    """Names of the layers whose weights ``w`` have the shape of filters (F, C, KH, KW)."""
    return [name for name, layer in model.layers
            if getattr(getattr(layer, "params", {}).get("w"), "ndim", 0) == 4]


class FilterViewer(Explorer):
    """The filters of conv1 and conv2 (any layer with weights (F, C, KH, KW)).

    Parameters
    ----------
    model : model, or dict of str -> model
        One network, or the same one at several stages of training, to compare,
        in the order of training (e.g. ``{"epoch 0": m0, "epoch 5": m5,
        "pretrained": load_lenet5()}``).
    layer : str, optional
        The layer shown first; default the first convolution.
    checkpoint : str, optional
        The stage shown first; default the last, the most trained (not the
        random weights of epoch 0).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root, with CSS class ``cnnlab-filter-viewer``.
    layer : ipywidgets.ToggleButtons
        ``"conv1"``, ``"conv2"``.
    checkpoint : ipywidgets.ToggleButtons or Dropdown
        The stage (hidden when there is only one).
    picture : ipywidgets.Image
        The PNG of :func:`cnnlab.viz.plot_filters` (class ``cnnlab-picture``), on one
        colour scale for all the stages of a layer.
    caption : ipywidgets.HTML
    """

    css_class = "cnnlab-filter-viewer"

    def __init__(self, model, *, layer=None, checkpoint=None):
        import ipywidgets as widgets

        func = "FilterViewer"
        self.models = as_checkpoints(func, model)
        first = next(iter(self.models.values()))
        names = conv_layers(first)
        if not names:
            raise ValueError(f"{func}: the model has no layer with convolution weights "
                             f"w of shape (F, C, KH, KW)")
        if layer is not None and layer not in names:
            raise ValueError(f"{func}: expected layer to be one of {names}, got {layer!r}")
        if checkpoint is not None and checkpoint not in self.models:
            raise ValueError(f"{func}: no checkpoint {checkpoint!r}; checkpoints: {list(self.models)}")
        self.layer = selector(names, value=layer, description=_("layer"))
        self.checkpoint = selector(self.models, value=checkpoint or list(self.models)[-1],
                                   description=_("weights"))
        self.picture = picture()
        self.caption = widgets.HTML()
        self.caption.add_class("cnnlab-caption")
        self.widget = widgets.VBox([
            instructions(_("One column per filter, one row per input channel; red weights are positive, "
                           "blue negative, on one colour scale for every stage.")),
            self.layer, self.checkpoint, self.caption, self.picture])
        self.widget.add_class(self.css_class)
        self.layer.observe(self._changed, names="value")
        self.checkpoint.observe(self._changed, names="value")
        self.update()

    def weights(self) -> np.ndarray:
        """The chosen layer's weights w (F, C, KH, KW) in the chosen model."""
        return self.models[self.checkpoint.value][self.layer.value].params["w"]

    @figure_text
    def figure(self):
        w = self.weights()
        f, c = w.shape[:2]
        tile = 0.75 if f * c <= 16 else 0.45
        fig = new_figure(max(f * tile + 1.9, 6.5), c * tile + 1.5)
        # one colour scale for every stage, so that the stages can be compared
        vmax = max(float(np.abs(model[self.layer.value].params["w"]).max())
                   for model in self.models.values()) or 1.0
        title = _("{layer} · weights: {checkpoint} · {f} filters of shape {shape}").format(
            layer=self.layer.value, checkpoint=self.checkpoint.value, f=f,
            shape=f"{c}×{w.shape[2]}×{w.shape[3]}")
        plot_filters(w, ax=fig.subplots(), vmax=vmax, title=title)
        return fig

    def update(self) -> None:
        w = self.weights()
        self.caption.value = _("<div style='font-size:15px'>{layer}.w has shape {shape}: {n:,} weights from "
                               "{low:.3f} to {high:.3f}, standard deviation {std:.3f}</div>").format(
            layer=self.layer.value, shape=tuple(w.shape), n=w.size, low=w.min(), high=w.max(), std=w.std())
        show_figure(self.picture, self.figure())

    def _changed(self, _change) -> None:
        self.update()

    def __repr__(self):
        return (f"<FilterViewer: layers {list(self.layer.options)}, weights {list(self.models)}; "
                f"run the notebook to use it>")
