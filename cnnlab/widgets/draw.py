"""DrawDigit: draw a digit with the mouse and watch LeNet-5 read it.

A drawing must be prepared the way MNIST's digits were before the network
can read it fairly (LeCun et al.: "normalized to fit in a 20x20 pixel box
while preserving their aspect ratio ... centered in a 28x28 image by
computing the center of mass of the pixels"). :func:`preprocess_digit` does
exactly that, as a pure function of an array, and :func:`rasterize_strokes`
turns mouse strokes into the array; neither needs a browser.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._checks import shape_str
from ..inspect import activations
from ..viz import plot_feature_maps, plot_probabilities
from ._common import Explorer, figure_png, is_model, new_figure, picture

__all__ = ["DrawDigit", "preprocess_digit", "rasterize_strokes", "center_of_mass"]


def center_of_mass(image) -> tuple[float, float]:
    """The intensity-weighted mean (row, column) of an image (H, W), in pixel indices.

    Pixel (i, j) counts at its index, so the centre of a 28x28 field is (13.5,
    13.5); MNIST's digits have theirs at (14, 14) on average (13.99, 14.00
    over the embedded sample's training digits).
    """
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    if image.ndim != 2 or total <= 0:
        raise ValueError(f"center_of_mass: expected an image (H, W) with some positive pixels, got "
                         f"shape {shape_str(image.shape)} with total {total:g}")
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def _overlaps(n_out: int, n_in: int, scale: float, offset: float) -> np.ndarray:
    """Resampling weights (n_out, n_in): output pixel i covers input [(i - offset)/scale, (i+1 - offset)/scale].

    Each weight is the length of that interval's overlap with input pixel
    [j, j+1], times ``scale``: an area average, which anti-aliases when it shrinks.
    """
    i = np.arange(n_out, dtype=np.float64)[:, None]
    j = np.arange(n_in, dtype=np.float64)[None, :]
    low, high = (i - offset) / scale, (i + 1 - offset) / scale
    return np.clip(np.minimum(high, j + 1) - np.maximum(low, j), 0.0, None) * scale


def preprocess_digit(image, *, size: int = 28, box: int = 20, threshold: float = 0.05,
                     center=None) -> np.ndarray:
    """Turn a drawing of any size into a digit as MNIST's were prepared.

    1. Crop to the bounding box of the ink (pixels above ``threshold`` times the
       brightest one).
    2. Scale it, keeping its aspect ratio, so its longer side fills a
       ``box`` x ``box`` square (20 x 20), averaging the pixels each output pixel
       covers (anti-aliasing: edges become grey levels); the shorter side is
       centred in the square.
    3. Paste the square into a ``size`` x ``size`` field (28 x 28), shifted by whole
       pixels so that the centre of mass lands on ``center`` (MNIST's (14, 14)).
    4. Scale the intensities so the brightest pixel is 1.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Light ink on a dark background (as MNIST: 0 background, larger is more
        ink), floats or uint8; any size, e.g. a 280 x 280 canvas.
    size, box : int
        The field and the box the digit is fitted into.
    threshold : float in [0, 1)
        Fainter pixels do not count for the bounding box.
    center : (float, float), optional
        Where the centre of mass goes, in pixel indices; default ``(size / 2, size / 2)``.

    Returns
    -------
    ndarray, shape (size, size), float32 in [0, 1]
        All zeros if the image has no ink. Feed it to a model as ``out[None, None]``.
    """
    func = "preprocess_digit"
    array = np.asarray(image)
    if array.ndim != 2 or 0 in array.shape or not (np.issubdtype(array.dtype, np.number)
                                                    or array.dtype == bool):
        raise ValueError(f"{func}: expected a greyscale image of shape (H, W), e.g. a 280x280 "
                         f"drawing, got {array.dtype} of shape {shape_str(array.shape)}")
    if not 0 <= threshold < 1:
        raise ValueError(f"{func}: expected threshold in [0, 1), got {threshold!r}")
    if not (isinstance(size, (int, np.integer)) and isinstance(box, (int, np.integer)) and 0 < box <= size):
        raise ValueError(f"{func}: expected ints 0 < box <= size, got box={box!r}, size={size!r}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{func}: expected finite pixel values, got NaN or infinity")
    array = np.clip(array, 0.0, None)
    out = np.zeros((size, size), dtype=np.float32)
    peak = array.max()
    if peak <= 0:
        return out
    rows = np.flatnonzero((array > threshold * peak).any(axis=1))
    cols = np.flatnonzero((array > threshold * peak).any(axis=0))
    crop = array[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    square = (_overlaps(box, h, scale, (box - h * scale) / 2) @ crop
              @ _overlaps(box, w, scale, (box - w * scale) / 2).T)
    cy, cx = center_of_mass(square)
    target_y, target_x = (size / 2, size / 2) if center is None else center
    top, left = int(round(target_y - cy)), int(round(target_x - cx))
    # paste the box at (top, left), clipped to the field
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + box, size), min(left + box, size)
    if y1 > y0 and x1 > x0:
        out[y0:y1, x0:x1] = square[y0 - top:y1 - top, x0 - left:x1 - left]
    peak = out.max()
    return out / peak if peak > 0 else out


def rasterize_strokes(strokes, shape, width: float) -> np.ndarray:
    """Draw strokes of a round pen into an image: what the canvas shows, as an array.

    Parameters
    ----------
    strokes : sequence of sequences of (x, y)
        Each stroke is the pen's path while the button was held, in canvas
        pixels (x to the right, y down); a stroke of one point is a dot.
    shape : (H, W)
        The canvas size in pixels.
    width : float
        The pen's diameter in pixels.

    Returns
    -------
    ndarray, shape (H, W), float64 in [0, 1]
        1 under the pen, 0 elsewhere, with a one-pixel anti-aliased edge.
    """
    height, width_px = int(shape[0]), int(shape[1])
    out = np.zeros((height, width_px))
    radius = float(width) / 2
    if radius <= 0:
        raise ValueError(f"rasterize_strokes: expected a positive pen width, got {width!r}")
    for stroke in strokes:
        points = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        if points.shape[0] == 0:
            continue
        if points.shape[0] == 1:
            points = np.vstack([points, points])
        for (ax, ay), (bx, by) in zip(points[:-1], points[1:]):
            x_low = max(int(np.floor(min(ax, bx) - radius - 1)), 0)
            x_high = min(int(np.ceil(max(ax, bx) + radius + 1)), width_px)
            y_low = max(int(np.floor(min(ay, by) - radius - 1)), 0)
            y_high = min(int(np.ceil(max(ay, by) + radius + 1)), height)
            if x_low >= x_high or y_low >= y_high:
                continue
            py, px = np.mgrid[y_low:y_high, x_low:x_high] + 0.5      # pixel centres
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0, 1)
            distance = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
            ink = np.clip(radius + 0.5 - distance, 0.0, 1.0)
            region = out[y_low:y_high, x_low:x_high]
            np.maximum(region, ink, out=region)
    return out


class DrawDigit(Explorer):
    """A canvas to draw a digit on; the network reads it when the mouse button is released.

    The drawing is prepared like MNIST (:func:`preprocess_digit`: fitted into
    20 x 20, centre of mass at the centre of 28 x 28), and the picture shows
    what the network sees, its probabilities and the feature maps of a layer.

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
        self.clear_button = widgets.Button(description="Clear", icon="eraser",
                                           layout=widgets.Layout(width="100px"))
        self.clear_button.add_class("cnnlab-clear")
        self.clear_button.on_click(lambda _: self.clear())
        self.layer = widgets.ToggleButtons(options=layers, description="maps of",
                                           style={"button_width": "auto"})
        self.layer.observe(lambda _: self._render(), names="value")
        self.picture = picture()
        self.caption = widgets.HTML()
        self.widget = widgets.VBox([
            widgets.HTML("<b>Draw a digit</b> in the box, large, with the mouse (or a finger); the "
                         "network reads it when you let go."),
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
        [0, 1]. It is painted on the canvas, where more can be drawn on top.
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
            best = int(np.argmax(self.probs))
            self.caption.value = (f"<div style='font-size:15px'>The network reads a "
                                  f"<b style='font-size:26px'>{self.class_names[best]}</b><br>"
                                  f"with probability {self.probs[best]:.1%}</div>")
        else:
            self._acts, self.probs = None, None
            self.caption.value = "<i>Nothing drawn yet.</i>"
        self._render()

    def figure(self):
        fig = new_figure(11, 2.9)
        ax_in, ax_p, ax_maps = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.1, 2.0, 5.0]})
        ax_in.imshow(self.image, cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
        ax_in.set_xticks([])
        ax_in.set_yticks([])
        ax_in.set_title("the network sees\n28×28, as MNIST", fontsize=9)
        if self.probs is None:
            for ax in (ax_p, ax_maps):
                ax.set_axis_off()
            ax_maps.text(0.5, 0.5, "draw a digit in the box above", ha="center", va="center",
                         fontsize=11, color="0.4", transform=ax_maps.transAxes)
            return fig
        plot_probabilities(self.probs, ax=ax_p, class_names=self.class_names)
        layer = self.layer.value
        maps = self._acts[layer]
        plot_feature_maps(maps, ax=ax_maps, title=f"{layer}: {maps.shape[0]} maps of "
                          f"{maps.shape[1]}×{maps.shape[2]}")
        return fig

    def _render(self) -> None:
        self.picture.value = figure_png(self.figure())

    def __repr__(self):
        return f"<DrawDigit: a {self.size}x{self.size} canvas; run the notebook to draw on it>"
