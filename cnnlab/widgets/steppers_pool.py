"""A stepper of pooling: each window's max or mean, and where the backward sends its gradient."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from ..i18n import N_, _
from ..i18n.fonts import figure_text
from .steppers_base import (
    DONE_FACE,
    FONT,
    GRAD_COLOR,
    TITLE,
    TODO_FACE,
    WINDOW_EDGE,
    WINDOW_FACE,
    GridStepper,
    as_image,
    draw_cells,
    faces_like,
    num,
    outline,
)

__all__ = ["PoolStepper"]

WINNER_FACE = "#fd8d3c"
RECEIVER_FACE = "#fc9272"


class PoolFrame(NamedTuple):
    """One window of :class:`PoolStepper`."""

    i: int  #: output row
    j: int  #: output column
    top: int  #: the window's top row in x
    left: int  #: the window's left column in x
    window: np.ndarray  #: (KH, KW), the window's values
    value: float  #: ``out[i, j]``
    g: float  #: ``dout[i, j]``
    added: np.ndarray  #: (KH, KW), what the backward adds to this window of dx
    dx: np.ndarray  #: (H, W), the gradient so far
    winner: tuple | None  #: max: (p, q) in the window, the first maximum in row-major order
    ties: tuple  #: max: the other (p, q) holding the maximum, which get nothing
    text: str  #: the frame's sentence


class PoolStepper(GridStepper):
    """Max or average pooling, one window per step, forward and backward.

    Each frame shows the window on ``x`` and its output, then what the backward
    pass adds to ``dx`` for that window's ``dout``: max pooling sends all of it to
    the window's first maximum in row-major order (``cache.argmax``, ties
    included), average pooling spreads it evenly. The outputs come from
    ``max_pool_forward`` / ``avg_pool_forward``, and each frame's ``dx`` is the
    library's backward of the ``dout`` entries so far (the others zero), so the
    last frame's ``dx`` is the backward of all of ``dout``.

    Parameters
    ----------
    x : array, shape (H, W)
        One channel of one example; give it ties to see the rule.
    kernel_size : int or (KH, KW)
    stride : int or (SH, SW), default the kernel size
    mode : {"max", "avg"}
    dout : array, shape (H_out, W_out), optional
        Default ``1, 2, 3, ...`` row by row, so each window's share can be told apart.

    Attributes
    ----------
    out : ndarray, shape (H_out, W_out)
    dx : ndarray, shape (H, W)
        The library's backward of ``dout``.
    frames : list of PoolFrame
        One per window, row-major.
    """

    # cells wide enough for an average's share, 0.25 or -1.5, at 12 points
    unit = 0.6
    compact_unit = 0.5

    @figure_text  # the frames' sentences are drawn: English where no font draws Chinese
    def __init__(self, x, kernel_size=2, stride=None, *, mode="max", dout=None):
        func = "PoolStepper"
        if mode not in ("max", "avg"):
            raise ValueError(f"{func}: expected mode 'max' or 'avg', got {mode!r}")
        self.mode = mode
        self.title = N_("max pooling") if mode == "max" else N_("average pooling")
        self.x = as_image(func, "x", x)
        forward, backward = ((F.max_pool_forward, F.max_pool_backward) if mode == "max"
                             else (F.avg_pool_forward, F.avg_pool_backward))
        out, cache = forward(self.x[None, None], kernel_size, stride)
        self.out, self.kernel, self.stride = out[0, 0], cache.kernel_size, cache.stride
        ho, wo = self.out.shape
        self.dout = (np.arange(1.0, ho * wo + 1).reshape(ho, wo) if dout is None
                     else as_image(func, "dout", dout))
        if self.dout.shape != self.out.shape:
            raise ValueError(f"{func}: expected dout of the output's shape {self.out.shape}, "
                             f"got {self.dout.shape}")
        self.dx = backward(self.dout[None, None], cache).dx[0, 0]
        (kh, kw), (sh, sw) = self.kernel, self.stride
        self.frames, before = [], np.zeros_like(self.x)
        for k in range(ho * wo):
            i, j = divmod(k, wo)
            partial = np.zeros_like(self.dout)
            partial.ravel()[:k + 1] = self.dout.ravel()[:k + 1]
            dx = backward(partial[None, None], cache).dx[0, 0]
            top, left = i * sh, j * sw
            window = self.x[top:top + kh, left:left + kw]
            added = (dx - before)[top:top + kh, left:left + kw]
            before = dx
            g, value = float(self.dout[i, j]), float(self.out[i, j])
            listed = ", ".join(num(v) for v in window.ravel())
            if mode == "max":
                winner = divmod(int(cache.argmax[0, 0, i, j]), kw)
                ties = tuple((p, q) for p, q in zip(*np.nonzero(window == value)) if (p, q) != winner)
                ties = tuple((int(p), int(q)) for p, q in ties)
                text = (f"out[{i}, {j}] = max({listed}) = {num(value)}\n"
                        f"dx[{top + winner[0]}, {left + winner[1]}] += dout[{i}, {j}] = {num(g)}")
                if ties:
                    where = ", ".join(f"x[{top + p}, {left + q}]" for p, q in ties)
                    text += "\n" + _("a tie: the first maximum in row-major order gets it all, {where} "
                                     "nothing").format(where=where)
            else:
                winner, ties = None, ()
                text = (f"out[{i}, {j}] = mean({listed}) = {num(value)}\n"
                        + _("each of the {n} pixels: {update}").format(
                            n=kh * kw, update=f"dx += dout[{i}, {j}] / {kh * kw} = {num(g / (kh * kw))}"))
            self.frames.append(PoolFrame(i, j, top, left, window.copy(), value, g, added, dx,
                                         winner, ties, text))

    def _extent(self, compact):
        (h, w), (ho, wo) = self.x.shape, self.out.shape
        if compact:
            return w + 1 + w, 1.2 + h
        return w + wo + wo + w + 4.5, 1.6 + max(h, ho) + 2.5

    def _x_faces(self, frame):
        kh, kw = self.kernel
        faces = faces_like(self.x.shape)
        faces[frame.top:frame.top + kh, frame.left:frame.left + kw] = WINDOW_FACE
        if frame.winner is not None:
            faces[frame.top + frame.winner[0], frame.left + frame.winner[1]] = WINNER_FACE
        return faces

    def _draw_x(self, ax, frame, y0, title):
        kh, kw = self.kernel
        draw_cells(ax, self.x, 0, y0, faces=self._x_faces(frame), title=title)
        outline(ax, frame.left, y0 + frame.top, kw, kh)
        for p, q in frame.ties:
            outline(ax, frame.left + q + 0.12, y0 + frame.top + p + 0.12, 0.76, 0.76,
                    color=WINDOW_EDGE, linewidth=2, linestyle="--")

    def _draw_dx(self, ax, frame, x0, y0, title):
        kh, kw = self.kernel
        colors = faces_like(self.x.shape, "black")
        colors[frame.dx == 0] = "0.6"
        faces = faces_like(self.x.shape)
        window = faces[frame.top:frame.top + kh, frame.left:frame.left + kw]
        window[...] = WINDOW_FACE
        window[frame.added != 0] = RECEIVER_FACE  # the pixels this window's gradient reaches
        draw_cells(ax, frame.dx, x0, y0, faces=faces, text_colors=colors, title=title)
        outline(ax, x0 + frame.left, y0 + frame.top, kw, kh)

    def _draw(self, ax, step, compact):
        self._setup(ax, compact)
        frame = self.frames[step]
        (h, w), (ho, wo) = self.x.shape, self.out.shape
        if compact:
            self._draw_x(ax, frame, 1.2, None)
            self._draw_dx(ax, frame, w + 1, 1.2, None)
            rule = "max" if self.mode == "max" else "mean"
            caption = _("{rule} = {value};  dx so far").format(rule=rule, value=num(frame.value))
            ax.text((2 * w + 1) / 2, 0.9, caption, ha="center", va="bottom", fontsize=FONT)
            return
        y0 = 1.6
        self._draw_x(ax, frame, y0, "x")
        hidden = np.arange(ho * wo).reshape(ho, wo) > step
        faces = faces_like((ho, wo), TODO_FACE)
        faces.ravel()[:step] = DONE_FACE
        faces.ravel()[step] = WINDOW_FACE
        out_x, out_y = w + 1.5, y0 + (h - ho) / 2
        draw_cells(ax, self.out, out_x, out_y, faces=faces, hidden=hidden,
                   title="out = max" if self.mode == "max" else "out = mean")
        outline(ax, out_x + frame.j, out_y + frame.i, 1, 1)
        dout_x = out_x + wo + 1.5
        draw_cells(ax, self.dout, dout_x, out_y, faces=faces, title="dout")
        outline(ax, dout_x + frame.j, out_y + frame.i, 1, 1, color=GRAD_COLOR)
        ax.text(dout_x + wo + 0.75, out_y + ho / 2, "→", ha="center", va="center",
                fontsize=TITLE + 4, color=GRAD_COLOR)
        self._draw_dx(ax, frame, dout_x + wo + 1.5, y0, _("dx, summed so far"))
        self._heading(ax, step)
        ax.text(0, y0 + max(h, ho) + 0.4, frame.text, ha="left", va="top", fontsize=FONT,
                linespacing=1.5)
