"""FeatureMapExplorer: one image through the network, every channel of any layer."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..i18n import _
from ..i18n.fonts import figure_text
from ..inspect import activations
from ..viz import percent, plot_feature_maps, plot_probabilities
from ..viz.style import LARGE, MEDIUM, SMALL
from ._common import (Explorer, as_checkpoints, check_images, check_labels, image_png, instructions,
                      new_figure, picture, selector, show_figure)

__all__ = ["FeatureMapExplorer", "plot_units"]


@figure_text
def plot_units(values, ax, *, title=None, class_names=None):
    """A layer's output vector (D,) as bars, red above zero and blue below, on ``ax``.

    With ``class_names`` (D of them) the bars are labelled as classes: the scores of fc3.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    colors = np.where(values >= 0, "#c0392b", "#2e6da4")
    ax.bar(np.arange(values.size), values, color=colors, width=0.8 if values.size <= 20 else 1.0)
    ax.axhline(0, color="0.3", linewidth=0.6)
    if class_names is not None:
        ax.set_xticks(range(values.size), [str(c) for c in class_names])
        ax.set_xlabel(_("class"), fontsize=MEDIUM)
    else:
        ax.set_xlabel(_("unit"), fontsize=MEDIUM)
    ax.set_ylabel(_("value"), fontsize=MEDIUM)
    ax.tick_params(labelsize=SMALL)
    ax.set_xlim(-0.6, values.size - 0.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=LARGE)


class FeatureMapExplorer(Explorer):
    """Pick an image, a layer and a stage of training; see every channel of that layer.

    The picture shows the input, the chosen layer's output for it (every
    channel of a convolution, activation or pooling layer as a grid of maps
    on one colour scale; a fully connected layer's units as bars) and the
    probabilities the network gives each class.

    Parameters
    ----------
    checkpoints : dict of str -> model, or one model
        The same architecture at different stages, e.g. ``{"epoch 0": m0,
        "epoch 1": m1, "pretrained": load_lenet5()}``; each a
        :class:`~cnnlab.layers.Sequential` mapping (N, 1, 28, 28) to (N, K).
    x : ndarray, shape (N, 1, 28, 28), float in [0, 1]
        The images to choose from, e.g. ``data.x_test``.
    y : ndarray, shape (N,), int, optional
        Their labels.
    gallery : sequence of int, optional
        Indices of images offered as thumbnails to click; default the first
        image of each class (the first 10 images without ``y``).
    layer : str
        The layer shown first (default ``"conv1"``, else the first layer).
    checkpoint : str, optional
        The stage shown first; default the last of ``checkpoints``, the most trained.
    index : int
        The image shown first.
    class_names : sequence of K str, optional

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root, with CSS class ``cnnlab-feature-map-explorer``.
    index : ipywidgets.IntSlider
        The image's index (class ``cnnlab-image-index``), linked to ``index_text``.
    index_text : ipywidgets.BoundedIntText
    layer : ipywidgets.Dropdown
        Values are layer names (``"conv1"``, ``"relu1"``, ``"pool1"``...).
    checkpoint : ipywidgets.ToggleButtons or Dropdown
        Values are the keys of ``checkpoints`` (hidden when there is only one).
    picture : ipywidgets.Image
        The PNG (class ``cnnlab-picture``).
    caption : ipywidgets.HTML
        The prediction, in words.
    thumbnails : list of ipywidgets.Button
        One per gallery image; clicking shows that image.
    """

    css_class = "cnnlab-feature-map-explorer"

    def __init__(self, checkpoints, x, y=None, *, gallery=None, layer="conv1", checkpoint=None,
                 index=0, class_names=None):
        import ipywidgets as widgets

        func = "FeatureMapExplorer"
        self.models = as_checkpoints(func, checkpoints)
        self.x = check_images(func, x)
        self.y = check_labels(func, y, x.shape[0])
        n = x.shape[0]
        first = next(iter(self.models.values()))
        shapes = {name: out.shape[1:] for name, out in activations(first, x[:1]).items()}
        self.layer_shapes = shapes
        self.class_names = ([str(k) for k in range(shapes[list(shapes)[-1]][0])]
                            if class_names is None else [str(c) for c in class_names])
        if layer not in shapes:
            if layer != "conv1":
                raise ValueError(f"{func}: no layer {layer!r}; layers: {list(shapes)}")
            layer = next(iter(shapes))
        if gallery is None:
            if self.y is not None:
                gallery = [int(np.flatnonzero(self.y == k)[0]) for k in np.unique(self.y)][:12]
            else:
                gallery = list(range(min(n, 10)))
        gallery = [int(i) for i in gallery]
        if any(not 0 <= i < n for i in gallery):
            raise ValueError(f"{func}: gallery indices must be in 0..{n - 1}, got {gallery}")
        if checkpoint is not None and checkpoint not in self.models:
            raise ValueError(f"{func}: no checkpoint {checkpoint!r}; checkpoints: {list(self.models)}")
        if not 0 <= index < n:
            raise ValueError(f"{func}: expected index in 0..{n - 1}, got {index!r}")
        self._cache: dict = {}

        self.checkpoint = selector(self.models, value=checkpoint or list(self.models)[-1],
                                   description=_("weights"))
        self.layer = widgets.Dropdown(
            options=[(f"{name}  {tuple(shape)}", name) for name, shape in shapes.items()],
            value=layer, description=_("layer"))
        self.index = widgets.IntSlider(value=int(index), min=0, max=n - 1, description=_("image"),
                                       continuous_update=False, readout=False,
                                       layout=widgets.Layout(width="420px"))
        self.index.add_class("cnnlab-image-index")
        self.index_text = widgets.BoundedIntText(value=int(index), min=0, max=n - 1,
                                                 layout=widgets.Layout(width="90px"))
        self._link = widgets.link((self.index, "value"), (self.index_text, "value"))
        self.thumbnails = []
        tiles = []
        for i in gallery:
            label = f"#{i}" if self.y is None else f"{self.class_names[self.y[i]]} · #{i}"
            button = widgets.Button(description=label, tooltip=_("show image #{i}").format(i=i),
                                    layout=widgets.Layout(width="64px", padding="0px"))
            button.add_class("cnnlab-thumbnail")
            button.on_click(lambda _, i=i: setattr(self.index, "value", i))
            self.thumbnails.append(button)
            tiles.append(widgets.VBox(
                [widgets.Image(value=image_png(x[i, 0]), format="png",
                               layout=widgets.Layout(width="56px", height="56px")), button],
                layout=widgets.Layout(align_items="center", margin="0 2px")))
        self.picture = picture()
        self.caption = widgets.HTML()
        self.caption.add_class("cnnlab-caption")
        self.widget = widgets.VBox([
            instructions(_("Choose an image (slider, box or a thumbnail), a layer and the weights of a "
                           "stage of training.") if len(self.models) > 1 else
                         _("Choose an image (slider, box or a thumbnail), a layer.")),
            widgets.HBox(tiles, layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.index, self.index_text]),
            widgets.HBox([self.layer]),
            self.checkpoint,
            self.caption,
            self.picture,
        ])
        self.widget.add_class(self.css_class)
        for control in (self.checkpoint, self.layer, self.index):
            control.observe(self._changed, names="value")
        self.update()

    # -- computing --------------------------------------------------------------------------
    def outputs(self, checkpoint=None, index=None) -> dict[str, np.ndarray]:
        """Every layer's output for one image, ``{layer: (C, H, W) or (D,)}`` (cached)."""
        checkpoint = self.checkpoint.value if checkpoint is None else checkpoint
        index = self.index.value if index is None else int(index)
        key = (checkpoint, index)
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            acts = activations(self.models[checkpoint], self.x[index:index + 1])
            self._cache[key] = {name: out[0] for name, out in acts.items()}
        return self._cache[key]

    def probabilities(self, checkpoint=None, index=None) -> np.ndarray:
        """The class probabilities (K,) for one image."""
        scores = list(self.outputs(checkpoint, index).values())[-1]
        return F.softmax_forward(scores[None].astype(np.float64))[0][0]

    # -- drawing ----------------------------------------------------------------------------
    @figure_text
    def figure(self):
        """The current picture as a matplotlib Figure (input, chosen layer, probabilities)."""
        checkpoint, layer, i = self.checkpoint.value, self.layer.value, self.index.value
        out = self.outputs()[layer]
        probs = self.probabilities()
        label = None if self.y is None else int(self.y[i])
        fig = new_figure(10.5, 3.7)
        ax_in, ax_out, ax_p = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.15, 5.0, 2.1]})
        ax_in.imshow(self.x[i, 0], cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax_in.set_xticks([])
        ax_in.set_yticks([])
        title = _("image #{i}").format(i=i)
        if label is not None:
            title += "\n" + _("label {name}").format(name=self.class_names[label])
        ax_in.set_title(title, fontsize=LARGE)
        where = layer if len(self.models) == 1 else f"{layer} · {checkpoint}"
        if out.ndim == 3:
            plot_feature_maps(out, ax=ax_out, title=_("{where} · {n} maps of {size}").format(
                where=where, n=out.shape[0], size=f"{out.shape[1]}×{out.shape[2]}"))
        else:
            is_scores = layer == list(self.layer_shapes)[-1]
            title = _("{where} · {n} class scores (logits)") if is_scores else _("{where} · {n} units")
            plot_units(out, ax_out, title=title.format(where=where, n=out.shape[0]),
                       class_names=self.class_names if is_scores else None)
        plot_probabilities(probs, ax=ax_p, true_label=label, class_names=self.class_names, log=True)
        return fig

    def update(self) -> None:
        """Redraw the picture and the caption for the current choices."""
        i = self.index.value
        probs = self.probabilities()
        predicted = int(np.argmax(probs))
        reading = _("<b>{checkpoint}</b>: image #{i} is read as <b>{pred}</b> with probability {p}")
        text = "<div style='font-size:15px'>" + reading.format(checkpoint=self.checkpoint.value, i=i,
                                                               pred=self.class_names[predicted],
                                                               p=percent(probs[predicted]))
        if self.y is not None:
            right = predicted == self.y[i]
            text += (_("; its label is {label} <span style='color:#2ca02c'>(right)</span>") if right else
                     _("; its label is {label} <span style='color:#d62728'>(wrong)</span>")).format(
                label=self.class_names[self.y[i]])
        self.caption.value = text + "</div>"
        show_figure(self.picture, self.figure())

    def _changed(self, _change) -> None:
        self.update()

    def __repr__(self):
        return (f"<FeatureMapExplorer: {self.x.shape[0]:,} images, layers {list(self.layer_shapes)}, "
                f"weights {list(self.models)}; run the notebook to use it>")
