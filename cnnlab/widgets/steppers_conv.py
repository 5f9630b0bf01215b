"""Steppers of the convolution: the sliding window, im2col row by row, the backward scatter."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from .._checks import output_size, pair
from ..i18n import N_, _
from .steppers_base import (
    DONE_FACE,
    FONT,
    GRAD_COLOR,
    PAD_FACE,
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
    paren,
    wrap_sum,
)

__all__ = ["ConvBackwardStepper", "ConvStepper", "Im2colStepper"]


def _padded_faces(shape, pad, top, left, kernel):
    """Faces of a padded input: grey padding, the window at (top, left) highlighted."""
    (ph, pw), (kh, kw) = pad, kernel
    faces = faces_like(shape, PAD_FACE)
    faces[ph:shape[0] - ph, pw:shape[1] - pw] = "white"
    faces[top:top + kh, left:left + kw] = WINDOW_FACE
    return faces


def _padded_text_colors(shape, pad):
    (ph, pw) = pad
    colors = faces_like(shape, "0.45")
    colors[ph:shape[0] - ph, pw:shape[1] - pw] = "black"
    return colors


def _progress_faces(shape, step):
    """Cells before ``step`` (row-major) done, cell ``step`` current, the rest to do."""
    faces = faces_like(shape, TODO_FACE)
    faces.ravel()[:step] = DONE_FACE
    faces.ravel()[step] = WINDOW_FACE
    return faces


def _pad_title(pad):
    return _("pad {pad}").format(pad=pad[0] if pad[0] == pad[1] else pad)


class ConvFrame(NamedTuple):
    """One output pixel of :class:`ConvStepper`."""

    i: int  #: output row
    j: int  #: output column
    top: int  #: the window's top row in the padded input
    left: int  #: the window's left column in the padded input
    patch: np.ndarray  #: (KH, KW), row ``i * W_out + j`` of the forward's im2col matrix
    value: float  #: ``out[i, j]`` from ``conv2d_forward``
    text: str  #: the multiply-add, ``"out[0, 1] = 2·1 + 0·(-1) + ... = 3"``


class ConvStepper(GridStepper):
    """The kernel sliding over a padded input with a stride, one output pixel per step.

    Every frame highlights the window on the padded input, the kernel, and the output
    pixel being computed, with its multiply-add written out. The numbers come from
    ``conv2d_forward``: each window is a row of the im2col matrix its cache keeps,
    each value its output.

    Parameters
    ----------
    x : array, shape (H, W)
        One channel of one example.
    w : array, shape (KH, KW)
        One kernel.
    b : float
        The bias (added to every output; written in the sum when not 0).
    stride, pad : int or (int, int)
        As in :func:`cnnlab.functional.conv2d_forward`.

    Attributes
    ----------
    out : ndarray, shape (H_out, W_out)
        ``H_out = (H + 2*PH - KH) // SH + 1``, likewise ``W_out``.
    frames : list of ConvFrame
        One per output pixel, row-major.
    """

    title = N_("convolution forward")

    def __init__(self, x, w, b=0.0, *, stride=1, pad=0):
        func = "ConvStepper"
        self.x, self.w = as_image(func, "x", x), as_image(func, "w", w)
        if isinstance(b, bool) or not isinstance(b, (int, float, np.integer, np.floating)):
            raise TypeError(f"{func}: expected the bias b to be a number, got {b!r}")
        self.b = float(b)
        out, cache = F.conv2d_forward(self.x[None, None], self.w[None, None],
                                      np.array([self.b]), stride, pad)
        self.out, self.stride, self.pad = out[0, 0], cache.stride, cache.pad
        (ph, pw), (kh, kw) = self.pad, self.w.shape
        self.x_pad = np.pad(self.x, ((ph, ph), (pw, pw)))
        self.frames = []
        for k, row in enumerate(cache.cols):  # one im2col row per output pixel, row-major
            i, j = divmod(k, self.out.shape[1])
            patch = row.reshape(kh, kw)
            terms = [f"{num(p)}·{paren(q)}" for p, q in zip(patch.ravel(), self.w.ravel())]
            if self.b:
                terms.append(paren(self.b))
            terms[0] = f"out[{i}, {j}] = {terms[0]}"
            self.frames.append(ConvFrame(i, j, i * self.stride[0], j * self.stride[1], patch,
                                         float(self.out[i, j]),
                                         wrap_sum(terms, f" = {num(self.out[i, j])}")))

    def _extent(self, compact):
        (hp, wp), (kh, kw), wo = self.x_pad.shape, self.w.shape, self.out.shape[1]
        if compact:
            return wp + 1 + wo, 1.2 + hp
        lines = max(frame.text.count("\n") for frame in self.frames) + 1
        return wp + kw + wo + 3, 1.6 + max(hp, kh) + 0.5 + 0.75 * lines

    def _draw(self, ax, step, compact):
        self._setup(ax, compact)
        frame = self.frames[step]
        (hp, wp), (kh, kw), (ho, wo) = self.x_pad.shape, self.w.shape, self.out.shape
        y0 = 1.2 if compact else 1.6
        draw_cells(ax, self.x_pad, 0, y0, title=None if compact else f"x ({_pad_title(self.pad)})",
                   faces=_padded_faces(self.x_pad.shape, self.pad, frame.top, frame.left, (kh, kw)),
                   text_colors=_padded_text_colors(self.x_pad.shape, self.pad))
        outline(ax, frame.left, y0 + frame.top, kw, kh)
        out_x = wp + 1 if compact else wp + kw + 3
        out_y = y0 + (hp - ho) / 2
        hidden = np.arange(ho * wo).reshape(ho, wo) > step
        draw_cells(ax, self.out, out_x, out_y, faces=_progress_faces((ho, wo), step), hidden=hidden,
                   title=None if compact else _("out (stride {stride})").format(
                       stride=num(self.stride[0]) if self.stride[0] == self.stride[1] else self.stride))
        outline(ax, out_x + frame.j, out_y + frame.i, 1, 1)
        if compact:
            ax.text((wp + 1 + wo) / 2, 0.9, f"out[{frame.i}, {frame.j}] = {num(frame.value)}",
                    ha="center", va="bottom", fontsize=FONT)
            return
        w_x, w_y = wp + 1.5, y0 + (hp - kh) / 2
        draw_cells(ax, self.w, w_x, w_y, title="w", faces=faces_like((kh, kw), WINDOW_FACE))
        ax.text(wp + 0.75, w_y + kh / 2, "⋆", ha="center", va="center", fontsize=TITLE + 14)
        ax.text(w_x + kw + 0.75, w_y + kh / 2, "=", ha="center", va="center", fontsize=TITLE + 4)
        self._heading(ax, step)
        ax.text(0, y0 + max(hp, kh) + 0.5, frame.text, ha="left", va="top", fontsize=FONT,
                linespacing=1.5)


class Im2colFrame(NamedTuple):
    """One row of the im2col matrix, in :class:`Im2colStepper`."""

    i: int  #: output row of the patch
    j: int  #: output column of the patch
    top: int  #: the patch's top row in the padded input
    left: int  #: the patch's left column in the padded input
    row: np.ndarray  #: (KH * KW,), row ``i * W_out + j`` of ``im2col(x)``


class Im2colStepper(GridStepper):
    """im2col filling its matrix row by row: each step copies one patch into one row.

    The matrix is the library's ``im2col`` of ``x``; each frame shows the patch on
    the padded input and the row it becomes (the rows above it already filled).

    Parameters
    ----------
    x : array, shape (H, W)
        One channel of one example (number its pixels to follow them into the rows).
    kernel_size : int or (KH, KW)
    stride, pad : int or (int, int)

    Attributes
    ----------
    cols : ndarray, shape (H_out * W_out, KH * KW)
        ``im2col(x)``: row ``i * W_out + j`` is the patch under output pixel ``(i, j)``.
    frames : list of Im2colFrame
        One per row.
    """

    title = "im2col"
    unit = 0.46
    compact_unit = 0.3

    def __init__(self, x, kernel_size, *, stride=1, pad=0):
        func = "Im2colStepper"
        self.x = as_image(func, "x", x)
        self.kernel = pair(func, "kernel_size", kernel_size, minimum=1)
        self.stride = pair(func, "stride", stride, minimum=1)
        self.pad = pair(func, "pad", pad, minimum=0)
        self.out_shape = tuple(output_size(func, self.x.shape[a], self.kernel[a], self.stride[a],
                                           self.pad[a], axis) for a, axis in ((0, "height"), (1, "width")))
        self.cols = F.im2col(self.x[None, None], self.kernel, self.stride, self.pad)
        (ph, pw) = self.pad
        self.x_pad = np.pad(self.x, ((ph, ph), (pw, pw)))
        self.frames = []
        for k, row in enumerate(self.cols):
            i, j = divmod(k, self.out_shape[1])
            self.frames.append(Im2colFrame(i, j, i * self.stride[0], j * self.stride[1], row))

    def _extent(self, compact):
        (hp, wp), (rows, cols) = self.x_pad.shape, self.cols.shape
        if compact:
            return wp + 1 + cols, 1.2 + max(hp, rows)
        return wp + 2 + cols + 2.2, 1.8 + max(hp, rows) + 1.1

    def _draw(self, ax, step, compact):
        self._setup(ax, compact)
        frame = self.frames[step]
        (hp, wp), (rows, cols) = self.x_pad.shape, self.cols.shape
        kh, kw = self.kernel
        y0 = 1.2 if compact else 1.8
        draw_cells(ax, self.x_pad, 0, y0, title=None if compact else f"x ({_pad_title(self.pad)})",
                   faces=_padded_faces(self.x_pad.shape, self.pad, frame.top, frame.left, self.kernel),
                   text_colors=_padded_text_colors(self.x_pad.shape, self.pad))
        outline(ax, frame.left, y0 + frame.top, kw, kh)
        m_x = wp + 1 if compact else wp + 2
        faces = faces_like((rows, cols), TODO_FACE)
        faces[:step] = DONE_FACE
        faces[step] = WINDOW_FACE
        hidden = np.zeros((rows, cols), dtype=bool)
        hidden[step + 1:] = True
        draw_cells(ax, self.cols, m_x, y0, faces=faces, hidden=hidden)
        outline(ax, m_x, y0 + step, cols, 1)
        if compact:
            ax.text((wp + 1 + cols) / 2, 0.9, _("row {step} ← patch ({i}, {j})").format(
                step=step, i=frame.i, j=frame.j), ha="center", va="bottom", fontsize=FONT)
            return
        ax.text(wp + 1, y0 + frame.top + kh / 2, "→", ha="center", va="center", fontsize=TITLE + 4,
                color=WINDOW_EDGE)
        for q in range(cols):  # which kernel tap each column holds
            ax.text(m_x + q + 0.5, y0 - 0.1, f"{q // kw},{q % kw}", ha="center", va="bottom",
                    fontsize=FONT - 1, color="0.35")
        for r in range(rows):
            i, j = divmod(r, self.out_shape[1])
            ax.text(m_x + cols + 0.2, y0 + r + 0.5, f"({i}, {j})", ha="left", va="center",
                    fontsize=FONT, color="black" if r <= step else "0.7")
        ax.text(m_x + cols / 2, y0 - 0.75, "cols = im2col(x)", ha="center", va="bottom",
                fontsize=FONT)
        self._heading(ax, step)
        ax.text(0, y0 + max(hp, rows) + 0.4,
                _("row {step} = the patch under output pixel ({i}, {j}): {patch}, row by row").format(
                    step=step, i=frame.i, j=frame.j,
                    patch=f"x_pad[{frame.top}:{frame.top + kh}, {frame.left}:{frame.left + kw}]"),
                ha="left", va="top", fontsize=FONT)


class ConvBackwardFrame(NamedTuple):
    """One upstream gradient entry of :class:`ConvBackwardStepper`."""

    i: int  #: the dout entry's row
    j: int  #: the dout entry's column
    top: int  #: the window's top row in the padded input
    left: int  #: the window's left column in the padded input
    g: float  #: ``dout[i, j]``
    added: np.ndarray  #: (KH, KW), what this entry adds to its window of dx_pad: ``g * w``
    dx_pad: np.ndarray  #: (H + 2*PH, W + 2*PW), the gradient of the padded input so far


class ConvBackwardStepper(GridStepper):
    """The convolution backward, one upstream gradient entry at a time.

    ``out[i, j]`` was ``sum(window * w) + b``, so its gradient ``g = dout[i, j]`` adds
    ``g * w`` onto that window of the padded input's gradient; overlapping windows
    add up. Each frame's ``dx_pad`` is the library's ``conv2d_backward`` of the
    entries so far (the others zero), on the padded input, so the last frame,
    cropped, is ``conv2d_backward(dout, cache).dx``.

    Parameters
    ----------
    x : array, shape (H, W)
        The forward's input (its values do not enter dx, only its shape).
    w : array, shape (KH, KW)
    dout : array, shape (H_out, W_out)
        The upstream gradient.
    stride, pad : int or (int, int)

    Attributes
    ----------
    dx : ndarray, shape (H, W)
        ``conv2d_backward(dout, cache).dx``.
    frames : list of ConvBackwardFrame
        One per entry of ``dout``, row-major.
    """

    title = N_("convolution backward")
    unit = 0.46

    def __init__(self, x, w, dout, *, stride=1, pad=0):
        func = "ConvBackwardStepper"
        self.x, self.w = as_image(func, "x", x), as_image(func, "w", w)
        self.dout = as_image(func, "dout", dout)
        out, cache = F.conv2d_forward(self.x[None, None], self.w[None, None], None, stride, pad)
        if self.dout.shape != out.shape[2:]:
            raise ValueError(f"{func}: expected dout of the output's shape {out.shape[2:]}, "
                             f"got {self.dout.shape}")
        self.stride, self.pad = cache.stride, cache.pad
        self.dx = F.conv2d_backward(self.dout[None, None], cache).dx[0, 0]
        (ph, pw), (kh, kw) = self.pad, self.w.shape
        self.x_pad = np.pad(self.x, ((ph, ph), (pw, pw)))
        # the same convolution on the padded input, unpadded: its dx keeps the padding's share
        _, cache_pad = F.conv2d_forward(self.x_pad[None, None], self.w[None, None], None, stride, 0)
        self.frames, before = [], np.zeros_like(self.x_pad)
        for k in range(self.dout.size):
            i, j = divmod(k, self.dout.shape[1])
            partial = np.zeros_like(self.dout)
            partial.ravel()[:k + 1] = self.dout.ravel()[:k + 1]
            dx_pad = F.conv2d_backward(partial[None, None], cache_pad).dx[0, 0]
            top, left = i * self.stride[0], j * self.stride[1]
            added = (dx_pad - before)[top:top + kh, left:left + kw]
            self.frames.append(ConvBackwardFrame(i, j, top, left, float(self.dout[i, j]), added,
                                                 dx_pad))
            before = dx_pad

    def _extent(self, compact):
        (hp, wp), (kh, kw), (ho, wo) = self.x_pad.shape, self.w.shape, self.dout.shape
        if compact:
            return wo + 1 + wp, 1.2 + max(hp, ho)
        return wo + kw + kw + wp + 4.5, 1.6 + max(hp, kh, ho) + 1.6

    def _draw(self, ax, step, compact):
        self._setup(ax, compact)
        frame = self.frames[step]
        (hp, wp), (kh, kw), (ho, wo) = self.x_pad.shape, self.w.shape, self.dout.shape
        y0 = 1.2 if compact else 1.6
        dout_faces = _progress_faces((ho, wo), step)
        draw_cells(ax, self.dout, 0, y0, faces=dout_faces, title=None if compact else "dout")
        outline(ax, frame.j, y0 + frame.i, 1, 1)
        dx_x = wo + 1 if compact else wo + kw + kw + 4.5
        colors = _padded_text_colors(self.x_pad.shape, self.pad)
        colors[(frame.dx_pad == 0) & (colors == "black")] = "0.6"
        draw_cells(ax, frame.dx_pad, dx_x, y0, text_colors=colors,
                   faces=_padded_faces(self.x_pad.shape, self.pad, frame.top, frame.left, (kh, kw)),
                   title=None if compact else _("dx_pad, summed so far ({pad})").format(
                       pad=_pad_title(self.pad)))
        outline(ax, dx_x + frame.left, y0 + frame.top, kw, kh)
        if compact:
            ax.text((wo + 1 + wp) / 2, 0.9, f"dout[{frame.i}, {frame.j}] = {num(frame.g)}",
                    ha="center", va="bottom", fontsize=FONT)
            return
        w_x = wo + 1.5
        draw_cells(ax, self.w, w_x, y0, title="w")
        ax.text(w_x - 0.75, y0 + kh / 2, "×", ha="center", va="center", fontsize=TITLE + 2)
        g_x = w_x + kw + 1.5
        draw_cells(ax, frame.added, g_x, y0, title=f"{num(frame.g)}·w",
                   faces=faces_like((kh, kw), WINDOW_FACE))
        ax.text(g_x - 0.75, y0 + kh / 2, "=", ha="center", va="center", fontsize=TITLE + 2)
        ax.text(g_x + kw + 0.75, y0 + kh / 2, "→", ha="center", va="center", fontsize=TITLE + 4,
                color=WINDOW_EDGE)
        self._heading(ax, step)
        text = (f"dx_pad[{frame.top}:{frame.top + kh}, {frame.left}:{frame.left + kw}] "
                f"+= dout[{frame.i}, {frame.j}]·w = {num(frame.g)}·w")
        if step == len(self) - 1:
            text += "\n" + _("all done: crop the padding to get dx = conv2d_backward(dout, cache).dx")
        ax.text(0, y0 + max(hp, kh, ho) + 0.4, text, ha="left", va="top", fontsize=FONT,
                linespacing=1.5, color=GRAD_COLOR if step == len(self) - 1 else "black")
