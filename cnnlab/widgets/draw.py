"""DrawDigit: draw a digit with the mouse and watch LeNet-5 read it.

The drawing is prepared like MNIST's digits by :mod:`cnnlab.widgets.preprocess`
before the network reads it.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._checks import shape_str
from ..i18n import _
from ..i18n.fonts import figure_text
from ..inspect import activations
from ..viz import percent, plot_feature_maps, plot_probabilities
from ..viz.style import LARGE, MEDIUM
from ._common import Explorer, instructions, is_model, new_figure, picture, show_figure
from .preprocess import preprocess_digit, rasterize_strokes

__all__ = ["DrawDigit"]


class DrawDigit(Explorer):
    """A canvas to draw a digit on; the network reads it when the mouse button is released.

    The canvas starts empty. The drawing is prepared like MNIST
    (:func:`preprocess_digit`: fitted into 20 x 20, centre of mass at the centre
    of 28 x 28), and the picture shows what the network sees, its probabilities
    on a logarithmic scale (so that an answer given with 99.9% and one given
    with 99.9999% look different: the other classes' bars are a thousand times
    taller in the first) and the feature maps of a layer. The caption names
    the answer and the runner-up.

    Parameters
    ----------
    model : model
        Maps (N, 1, 28, 28) in [0, 1] to class scores (N, K), e.g. ``load_lenet5()``.
    size : int
        The canvas's side in pixels.
    pen : float, optional
        The pen's diameter in pixels; default ``size / 14`` (20 for 280).
    layers : sequence of str
        The layers whose feature maps can be shown.
    class_names : sequence of K str, optional

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root (CSS class ``cnnlab-draw-digit``).
    canvas : ipycanvas.Canvas
        Where the reader draws (CSS class ``cnnlab-canvas``).
    clear_button : ipywidgets.Button
    layer : ipywidgets.ToggleButtons
    picture : ipywidgets.Image
        (CSS class ``cnnlab-picture``.)
    caption : ipywidgets.HTML
    strokes : list of list of (x, y)
        The strokes drawn since the last clear.
    image : ndarray, shape (28, 28), float32
        What the network sees.
    probs : ndarray, shape (K,) or None
        Its probabilities (None while the canvas is empty).
    """

    css_class = "cnnlab-draw-digit"

    def __init__(self, model, *, size=280, pen=None, layers=("conv1", "pool1", "conv2", "pool2"),
                 class_names=None):
        import ipywidgets as widgets
        from ipycanvas import Canvas

        func = "DrawDigit"
        if not is_model(model):
            raise TypeError(f"{func}: expected a model such as LeNet5 (a cnnlab.layers.Sequential), "
                            f"got {type(model).__name__}")
        self.model = model
        self.size = int(size)
        self.pen = float(size / 14 if pen is None else pen)
        names = [name for name, _ in model.layers]
        layers = [name for name in layers if name in names]
        if not layers:
            raise ValueError(f"{func}: none of the layers asked for is in the model; layers: {names}")
        k = list(activations(model, np.zeros((1, 1, 28, 28), np.float32)).values())[-1].shape[1]
        self.class_names = [str(c) for c in (range(k) if class_names is None else class_names)]
        self.strokes: list[list[tuple[float, float]]] = []
        self._base = np.zeros((self.size, self.size))
        self._drawing = False
        self.image = np.zeros((28, 28), dtype=np.float32)
        self.probs = None

        self.canvas = Canvas(width=self.size, height=self.size,
                             layout=widgets.Layout(width=f"{self.size}px", height=f"{self.size}px",
                                                   border="1px solid #888"))
        self.canvas.add_class("cnnlab-canvas")
        # Draw only once a browser shows the canvas: ipycanvas drops every drawing command
        # after one sent before its front end was ready (in Voila). A browser that connects
        # (or reconnects) gets an empty canvas and is painted again.
        self._client_ready = False
        self.canvas.on_client_ready(self._client_connected)
        self.canvas.on_mouse_down(self._mouse_down)
        self.canvas.on_mouse_move(self._mouse_move)
        self.canvas.on_mouse_up(self._mouse_up)
        self.canvas.on_mouse_out(self._mouse_up)
        self.canvas.on_touch_start(lambda touches: self._mouse_down(*touches[0]))
        self.canvas.on_touch_move(lambda touches: self._mouse_move(*touches[0]))
        self.canvas.on_touch_end(lambda touches: self._mouse_up())
        self.clear_button = widgets.Button(description=_("Clear"), icon="eraser",
                                           layout=widgets.Layout(width="100px"))
        self.clear_button.add_class("cnnlab-clear")
        self.clear_button.on_click(lambda _: self.clear())
        self.layer = widgets.ToggleButtons(options=layers, description=_("maps of"),
                                           style={"button_width": "auto"})
        self.layer.observe(lambda _: self._render(), names="value")
        self.picture = picture()
        self.caption = widgets.HTML()
        self.caption.add_class("cnnlab-caption")
        self.widget = widgets.VBox([
            instructions(_("Draw a digit in the box, large, with the mouse (or a finger); the network "
                           "reads it when you let go. <i>Clear</i> empties the box.")),
            widgets.HBox([self.canvas, widgets.VBox([self.clear_button, self.caption],
                                                    layout=widgets.Layout(margin="0 0 0 12px"))]),
            self.layer,
            self.picture,
        ])
        self.widget.add_class(self.css_class)
        self._paint_canvas()
        self._show(self.image)

    # -- the canvas ---------------------------------------------------------------------------
    def _client_connected(self) -> None:
        # ipycanvas's shared manager sends "switch canvas" only when the target changes,
        # and a reloaded page has forgotten the last switch: every command then fails in
        # the browser. Forgetting it here too makes the next command name this canvas.
        manager = getattr(self.canvas, "_canvas_manager", None)
        if manager is not None and hasattr(manager, "_current_canvas"):
            manager._current_canvas = None
        self._client_ready = True
        self._paint_canvas()

    def _paint_canvas(self) -> None:
        """Repaint the canvas: black, or an image given to ``set_image``, then the strokes."""
        from ipycanvas import hold_canvas
        if not self._client_ready:
            return
        with hold_canvas():
            self.canvas.clear()
            if self._base.any():
                grey = (np.clip(self._base, 0, 1) * 255).astype(np.uint8)
                self.canvas.put_image_data(np.stack([grey] * 3, axis=-1), 0, 0)
            else:
                self.canvas.fill_style = "black"
                self.canvas.fill_rect(0, 0, self.size, self.size)
            self.canvas.stroke_style = "white"
            self.canvas.fill_style = "white"
            self.canvas.line_width = self.pen
            self.canvas.line_cap = "round"
            self.canvas.line_join = "round"
            for stroke in self.strokes:
                self.canvas.fill_circle(*stroke[0], self.pen / 2)
                if len(stroke) > 1:
                    self.canvas.stroke_lines(stroke)

    def _mouse_down(self, x, y) -> None:
        if self._base.any() and not self.strokes:
            # a digit shown with set_image is an example, not a start: drawing begins anew
            self._base = np.zeros((self.size, self.size))
            self._paint_canvas()
        self._drawing = True
        self.strokes.append([(float(x), float(y))])
        if self._client_ready:
            self.canvas.fill_circle(x, y, self.pen / 2)

    def _mouse_move(self, x, y) -> None:
        if not self._drawing:
            return
        (px, py) = self.strokes[-1][-1]
        self.strokes[-1].append((float(x), float(y)))
        if self._client_ready:
            self.canvas.stroke_line(px, py, x, y)

    def _mouse_up(self, *_) -> None:
        if self._drawing:
            self._drawing = False
            self.update()

    # -- programmatic use ---------------------------------------------------------------------
    def draw_stroke(self, points) -> None:
        """Add a stroke, a sequence of (x, y) canvas points, as the mouse would; then update."""
        points = [(float(x), float(y)) for x, y in points]
        if not points:
            return
        self._mouse_down(*points[0])
        for point in points[1:]:
            self._mouse_move(*point)
        self._mouse_up()

    def clear(self) -> None:
        """Empty the canvas."""
        self.strokes = []
        self._base = np.zeros((self.size, self.size))
        self._drawing = False
        self._paint_canvas()
        self.update()

    def set_image(self, image) -> None:
        """Show a ready 28 x 28 digit (e.g. ``data.x_test[i]``): the network reads it as it is.

        ``image`` has shape (28, 28), (1, 28, 28) or (1, 1, 28, 28), values in
        [0, 1]. It is painted on the canvas; the next stroke starts a new drawing
        (a "1" drawn there is read as a 1, not as the example with a line on it).
        """
        array = np.asarray(image, dtype=np.float64)
        if array.size != 28 * 28 or array.ndim not in (2, 3, 4) or array.shape[-2:] != (28, 28):
            raise ValueError(f"DrawDigit.set_image: expected a digit of shape (28, 28), (1, 28, 28) "
                             f"or (1, 1, 28, 28), got shape {shape_str(array.shape)}")
        array = np.clip(array.reshape(28, 28), 0, 1)
        self.strokes = []
        self._drawing = False
        scale = self.size // 28
        base = np.zeros((self.size, self.size))
        big = np.kron(array, np.ones((scale, scale)))
        base[:big.shape[0], :big.shape[1]] = big
        self._base = base
        self._paint_canvas()
        self._show(array.astype(np.float32))

    def drawing(self) -> np.ndarray:
        """The canvas as an array (size, size) in [0, 1]: the strokes over any image set."""
        ink = rasterize_strokes(self.strokes, (self.size, self.size), self.pen)
        return np.maximum(ink, self._base)

    def update(self) -> None:
        """Preprocess the drawing and let the network read it."""
        self._show(preprocess_digit(self.drawing()))

    # -- reading and drawing --------------------------------------------------------------------
    def _show(self, image) -> None:
        self.image = image
        if image.any():
            x = image[None, None].astype(np.float32)
            self._acts = {name: out[0] for name, out in activations(self.model, x).items()}
            scores = list(self._acts.values())[-1].astype(np.float64)
            self.probs = F.softmax_forward(scores[None])[0][0]
            best, second = np.argsort(-self.probs, kind="stable")[:2]
            reading = _("<div style='font-size:15px'>The network reads a <b style='font-size:26px'>{best}</b>"
                        "<br>with probability {p};<br>next: {second} ({p_second})</div>")
            self.caption.value = reading.format(best=self.class_names[best], p=percent(self.probs[best]),
                                                second=self.class_names[second],
                                                p_second=percent(self.probs[second]))
        else:
            self._acts, self.probs = None, None
            self.caption.value = _("<div style='font-size:15px'><i>Nothing drawn yet.</i></div>")
        self._render()

    @figure_text
    def figure(self):
        fig = new_figure(10.5, 3.4)
        ax_in, ax_p, ax_maps = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.35, 2.3, 5.0]})
        ax_in.imshow(self.image, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax_in.set_xticks([])
        ax_in.set_yticks([])
        ax_in.set_title(_("the network\nsees, 28×28"), fontsize=LARGE)
        if self.probs is None:
            for ax in (ax_p, ax_maps):
                ax.set_axis_off()
            ax_maps.text(0.5, 0.5, _("draw a digit in the box above"), ha="center", va="center",
                         fontsize=MEDIUM, color="0.4", transform=ax_maps.transAxes)
            return fig
        plot_probabilities(self.probs, ax=ax_p, class_names=self.class_names, log=True)
        layer = self.layer.value
        maps = self._acts[layer]
        plot_feature_maps(maps, ax=ax_maps, title=_("{layer}: {n} maps of {size}").format(
            layer=layer, n=maps.shape[0], size=f"{maps.shape[1]}×{maps.shape[2]}"))
        return fig

    def _render(self) -> None:
        show_figure(self.picture, self.figure())

    def __repr__(self):
        return f"<DrawDigit: a {self.size}x{self.size} canvas; run the notebook to draw on it>"
