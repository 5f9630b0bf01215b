"""What every stepper shares: frames, a strip of them, a Play/slider widget, and grids of numbers.

A stepper computes all its frames up front, from the library's own functions,
and keeps them in ``stepper.frames``; drawing only reads them. So the numbers
a frame shows are the numbers the library computes, and the tests check the
frames, not pixels.
"""

from __future__ import annotations

import base64
import io

import numpy as np

from .._checks import shape_str
from ..i18n import _
from ..i18n.fonts import figure_text
from ._common import DPI, figure_png, new_figure

#: Font sizes, in points: cell values and labels, and titles (readable on a projector).
FONT = 13
TITLE = 14
#: Cell colours: padding, the current window, filled cells, cells not computed yet.
PAD_FACE = "0.86"
WINDOW_FACE = "#fdd0a2"
WINDOW_EDGE = "#e6550d"
DONE_FACE = "#deebf7"
TODO_FACE = "0.97"
GRAD_COLOR = "#cb181d"

__all__ = ["GridStepper", "Stepper", "as_image", "draw_cells", "num", "outline"]


def as_image(func: str, name: str, a) -> np.ndarray:
    """``a`` as a float64 array of shape (H, W), or a one-line error naming ``name``."""
    try:
        array = np.array(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{func}: expected {name} to be a 2-D array of numbers (H, W), "
                        f"got {type(a).__name__}") from None
    if array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{func}: expected {name} of shape (H, W), one channel of one example, "
                         f"got shape {shape_str(array.shape)}")
    return array


def num(v) -> str:
    """A short label for a number: ``3``, ``-1``, ``0.25``, ``1.39`` (never ``-0``)."""
    v = float(v)
    if np.isinf(v):
        return "−∞" if v < 0 else "∞"
    if abs(v - round(v)) < 1e-9 and abs(v) < 1e6:
        return str(round(v) + 0)
    text = f"{v:.3g}"
    return "0" if text in ("-0", "-0.0") else text


def paren(v) -> str:
    """``num(v)``, in parentheses when negative: the right-hand factor of a product."""
    text = num(v)
    return f"({text})" if text.startswith("-") else text


def wrap_sum(terms, tail: str = "", width: int = 64) -> str:
    """``a + b + ...`` then ``tail``, broken into lines of at most ``width`` characters at the pluses."""
    lines = [terms[0]]
    for term in terms[1:]:
        if len(lines[-1]) + 3 + len(term) > width:
            lines.append(f"+ {term}")
        else:
            lines[-1] += f" + {term}"
    lines[-1] += tail
    return "\n".join(lines)


def draw_cells(ax, values, x0, y0, *, title=None, faces=None, text_colors=None, hidden=None,
               fontsize=FONT, fmt=num):
    """A 2-D array as a grid of numbered unit cells, its top-left corner at ``(x0, y0)``.

    ``faces`` / ``text_colors``: (rows, cols) arrays of colours (default white / black);
    ``hidden``: (rows, cols) bools, cells drawn empty (values not computed yet).
    The Axes has y pointing down (see :meth:`GridStepper._setup`).
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle
    values = np.asarray(values)
    rows, cols = values.shape
    faces = np.full((rows, cols), "white", dtype=object) if faces is None else faces
    cells = [Rectangle((x0 + c, y0 + r), 1, 1) for r in range(rows) for c in range(cols)]
    ax.add_collection(PatchCollection(cells, facecolor=list(faces.ravel()), edgecolor="0.55",
                                      linewidth=0.8))
    for (r, c), v in np.ndenumerate(values):
        if hidden is not None and hidden[r, c]:
            continue
        color = "black" if text_colors is None else text_colors[r, c]
        label = fmt(v)
        # a long number (0.25, -1.5) a point smaller, to stay inside its cell
        ax.text(x0 + c + 0.5, y0 + r + 0.5, label, ha="center", va="center", color=color,
                fontsize=fontsize if len(label) <= 3 else max(12, fontsize - 1))
    if title:
        ax.text(x0 + cols / 2, y0 - 0.2, title, ha="center", va="bottom", fontsize=fontsize)


def outline(ax, x, y, width, height, color=WINDOW_EDGE, linewidth=3.0, linestyle="-"):
    """A thick frame around the cells from ``(x, y)``, ``width`` x ``height`` cells."""
    from matplotlib.patches import Rectangle
    ax.add_patch(Rectangle((x, y), width, height, fill=False, edgecolor=color, linewidth=linewidth,
                           linestyle=linestyle, zorder=5))


def small_png(fig) -> bytes:
    """``fig`` as PNG bytes with a palette of 64 colours: a third of the size, the same picture
    (flat cells and text), so the strips and frames kept in a notebook stay small."""
    from PIL import Image
    full = Image.open(io.BytesIO(figure_png(fig, dpi=DPI))).convert("RGB")
    buffer = io.BytesIO()
    full.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


class _Player:
    """Displays as a stepper's widget, with a line of text where no kernel runs it."""

    def __init__(self, widget, text):
        self.widget, self.text = widget, text

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle = dict(bundle[0] if isinstance(bundle, tuple) else bundle)
        bundle["text/plain"] = self.text
        return bundle


def faces_like(shape, face="white"):
    return np.full(shape, face, dtype=object)


class Stepper:
    """Base of the steppers: ``frames``, one figure per frame, a strip of them, a widget.

    Subclasses set ``self.frames`` (a list, one entry per step) and ``title`` (English, marked
    ``N_``: drawn translated), and implement ``_size(compact)`` (figure size of one frame, inches) and
    ``_draw(ax, step, compact)`` (draw frame ``step`` on one Axes; ``compact`` for
    the small panels of the strip).

    Attributes
    ----------
    frames : list
        One entry per step, computed from the library's functions.
    play, slider, output : ipywidgets.Play, ipywidgets.IntSlider, ipywidgets.Output
        The controls, once :meth:`widget` has built them.
    """

    title = ""
    #: Milliseconds between frames when playing.
    interval = 1500

    frames: list

    def __len__(self) -> int:
        return len(self.frames)

    def _size(self, compact: bool) -> tuple[float, float]:
        raise NotImplementedError

    def _draw(self, ax, step: int, compact: bool) -> None:
        raise NotImplementedError

    def _new_figure(self, nrows, ncols, compact=False):
        """A figure of ``nrows`` x ``ncols`` frames, and its Axes in a flat array."""
        width, height = self._size(compact)
        fig = new_figure(width * ncols, height * nrows)
        return fig, fig.subplots(nrows, ncols, squeeze=False).ravel()

    def _check_step(self, step) -> int:
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) \
                or not 0 <= step < len(self):
            raise ValueError(f"{type(self).__name__}: expected a step from 0 to {len(self) - 1}, "
                             f"got {step!r}")
        return int(step)

    @figure_text
    def figure(self, step: int = 0):
        """Frame ``step`` at full size: a ``matplotlib.figure.Figure`` (made without pyplot)."""
        step = self._check_step(step)
        fig, axes = self._new_figure(1, 1)
        self._draw(axes[0], step, False)
        return fig

    @figure_text
    def strip(self, ncols: int | None = None):
        """Every frame as a small panel, ``ncols`` per row (default about square): the static version.

        Returns a ``matplotlib.figure.Figure`` (made without pyplot).
        """
        if ncols is not None and (isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer))
                                  or ncols < 1):
            raise ValueError(f"{type(self).__name__}.strip: expected ncols to be a positive int, "
                             f"got {ncols!r}")
        ncols = min(ncols or int(np.ceil(np.sqrt(len(self)))), len(self))  # default: about square
        nrows = -(-len(self) // ncols)
        fig, axes = self._new_figure(nrows, ncols, compact=True)
        for step, ax in enumerate(axes):
            if step < len(self):
                self._draw(ax, step, True)
            else:
                ax.set_axis_off()
        return fig

    def _png(self, step: int) -> bytes:
        # frames never change, so each is rendered once however often the slider passes it
        if step not in self._pngs:
            self._pngs[step] = small_png(self.figure(step))
        return self._pngs[step]

    def _render(self, step: int) -> None:
        data = {"image/png": base64.b64encode(self._png(step)).decode("ascii"),
                "text/plain": f"<{self.title}: step {step + 1} of {len(self)}>"}
        # replacing the outputs in one assignment: no flicker, and no kernel needed
        self.output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)

    def widget(self):
        """A Play button and a slider (linked in the browser, ``jslink``) over the frame.

        Returns the root ``ipywidgets.VBox`` (CSS class ``cnnlab-stepper``); moving the
        slider, by hand or by Play, redraws the frame in an ``ipywidgets.Output``.
        """
        import ipywidgets as widgets
        self._pngs = getattr(self, "_pngs", {})
        last = len(self) - 1
        self.play = widgets.Play(value=0, min=0, max=last, step=1, interval=self.interval,
                                 description=_("play"), tooltip=_("play the steps"))
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description=_("step"),
                                        readout=True)
        widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.output = widgets.Output()
        self.slider.observe(lambda change: self._render(change["new"]), names="value")
        self._render(0)
        root = widgets.VBox([widgets.HBox([self.play, self.slider]), self.output])
        root.add_class("cnnlab-stepper")
        return root

    def show(self, ncols: int | None = None) -> None:
        """Display the strip of frames as a PNG (seen on GitHub and nbviewer too), then the widget."""
        from IPython.display import Image, display
        display(Image(data=small_png(self.strip(ncols)), format="png"))
        display(_Player(self.widget(), f"<{type(self).__name__}: {len(self)} steps; run the "
                                       f"notebook to play them>"))

    def __repr__(self):
        return f"<{type(self).__name__}: {len(self)} steps; .show() draws them>"


class GridStepper(Stepper):
    """A stepper drawn as grids of numbered cells on one Axes, in cell units.

    Subclasses implement ``_extent(compact) -> (width, height)`` in cells and draw
    with :func:`draw_cells`; a cell is ``unit`` inches (``compact_unit`` in the strip).
    """

    unit = 0.5
    compact_unit = 0.3

    def _extent(self, compact: bool) -> tuple[float, float]:
        raise NotImplementedError

    def _size(self, compact):
        width, height = self._extent(compact)
        unit = self.compact_unit if compact else self.unit
        return (width + 0.6) * unit, (height + 0.4) * unit

    def _new_figure(self, nrows, ncols, compact=False):
        # the grids fill their Axes exactly, so no layout engine: it would only cost time
        from matplotlib.figure import Figure
        width, height = self._size(compact)
        fig = Figure(figsize=(width * ncols, height * nrows))
        axes = fig.subplots(nrows, ncols, squeeze=False,
                            gridspec_kw=dict(left=0, right=1, bottom=0, top=1, wspace=0, hspace=0))
        return fig, axes.ravel()

    def _heading(self, ax, step):
        """The frame's heading, top left: ``convolution forward: step 3 of 9``."""
        heading = _("{title}: step {step} of {n}").format(title=_(self.title), step=step + 1, n=len(self))
        ax.text(0, 0.2, heading, ha="left", va="top", fontsize=TITLE, fontweight="bold")

    def _setup(self, ax, compact):
        """Cell coordinates with y down, equal aspect, no axes drawn."""
        width, height = self._extent(compact)
        ax.set_xlim(-0.3, width + 0.3)
        ax.set_ylim(height + 0.2, -0.2)
        ax.set_aspect("equal")
        ax.set_axis_off()
