"""Grids of small images: feature maps, filters, galleries of digits.

Each grid is drawn as one mosaic on one Axes, with the tiles framed and
labelled, rather than as one Axes per tile: a figure of 96 filters then
renders in about a tenth of a second, fast enough for the explorers.
"""

from __future__ import annotations

import numpy as np

from .._checks import shape_str
from ..i18n import _, columns
from ..i18n.fonts import figure_text
from .style import LARGE, MEDIUM, SMALL, new_figure
from .style import colorbar as add_colorbar

__all__ = ["plot_feature_maps", "plot_filters", "plot_image_gallery", "numeric_array"]


def numeric_array(func, name, value, expected):
    """``value`` as a float64 array of finite numbers, or a ValueError saying what was ``expected``."""
    try:
        array = np.asarray(value)
    except Exception:  # ragged lists and the like
        array = None
    if array is None or array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                                      or array.dtype == bool):
        raise ValueError(f"{func}: expected {name} to be a numeric array of shape {expected}, got "
                         f"{type(value).__name__}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{func}: expected finite values in {name}, got NaN or infinity")
    return array


def _default_ncols(n: int, most: int = 8) -> int:
    """Columns for n tiles: one row up to ``most``, else rows of equal length."""
    if n <= most:
        return max(n, 1)
    rows = -(-n // most)
    return -(-n // rows)


def _check_ncols(func, ncols, n):
    if ncols is None:
        return _default_ncols(n)
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"{func}: expected ncols to be a positive int, got {ncols!r}")
    return int(ncols)


def _check_texts(func, name, texts, n, *, strings=True):
    """A list of n items (str() of each when ``strings``), or None."""
    if texts is None:
        return None
    if isinstance(texts, str):
        raise ValueError(f"{func}: expected {name} to be a sequence of {n} items (one per image), "
                         f"got the single string {texts!r}")
    texts = [str(t) for t in texts] if strings else list(texts)
    if len(texts) != n:
        raise ValueError(f"{func}: expected {n} {name} (one per image), got {len(texts)}")
    return texts


def _check_vmax(func, vmax):
    if vmax is None:
        return None
    if isinstance(vmax, bool) or not isinstance(vmax, (int, float, np.integer, np.floating)) \
            or not np.isfinite(vmax) or vmax <= 0:
        raise ValueError(f"{func}: expected vmax to be a positive number, got {vmax!r}")
    return float(vmax)


def _mosaic(tiles, ncols, gap, title_height):
    """Tiles (n, h, w) side by side, ``ncols`` per row, NaN between them.

    Every row has ``title_height`` rows of NaN above its tiles (room for a
    label) and ``gap`` columns/rows of NaN between tiles. Returns the mosaic
    and the top-left (row, col) of every tile in it.
    """
    n, h, w = tiles.shape
    nrows = -(-n // ncols)
    row_step, col_step = title_height + h + gap, w + gap
    mosaic = np.full((nrows * row_step - gap, min(n, ncols) * col_step - gap), np.nan)
    origins = []
    for k in range(n):
        r, c = divmod(k, ncols)
        top, left = r * row_step + title_height, c * col_step
        mosaic[top:top + h, left:left + w] = tiles[k]
        origins.append((top, left))
    return mosaic, origins


def _frame_tiles(ax, origins, h, w, *, colors=None):
    """A thin frame around each tile (a tile of white pixels must still show its edge)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle
    boxes = [Rectangle((left - 0.5, top - 0.5), w, h) for top, left in origins]
    ax.add_collection(PatchCollection(boxes, facecolor="none", linewidth=0.8 if colors else 0.5,
                                      edgecolor=colors if colors else "0.55", clip_on=False),
                      autolim=False)


def _draw_mosaic(ax, mosaic, *, cmap, vmin, vmax):
    image = ax.imshow(mosaic, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    return image


@figure_text
def plot_feature_maps(maps, ax=None, *, ncols=None, scale="shared", vmax=None, titles=None,
                      title=None, cmap=None, colorbar=True):
    """Every channel of one example's feature maps, side by side.

    Parameters
    ----------
    maps : ndarray, shape (C, H, W)
        One example's output of a convolution, activation or pooling layer,
        e.g. ``activations(model, x)["conv1"][0]``, shape (6, 28, 28) in LeNet-5.
    ax : matplotlib Axes, optional
        Draw the grid on it; None draws on a new figure.
    ncols : int, optional
        Maps per row; default all in one row up to 8, else rows of equal length
        (16 maps: 2 rows of 8).
    scale : {"shared", "each"}
        ``"shared"``: one colour scale for every channel, with a colour bar, so
        channels can be compared: symmetric about 0 (``-m .. m`` with
        ``m = max |maps|``) when some values are negative, else ``0 .. m``.
        ``"each"``: every channel divided by its own largest ``|value|``, to see
        the pattern of weak channels too.
    vmax : float > 0, optional
        With ``scale="shared"``: the colour scale ends at ``vmax`` (and starts at
        ``-vmax`` for signed maps); default ``max |maps|``. Give the same value
        to compare several plots.
    titles : sequence of C str, optional
        A label above each map; default its channel index.
    title : str, optional
        Title of the whole grid.
    cmap : str, optional
        Default: diverging ``"RdBu_r"`` (red positive, blue negative, white
        zero) for signed maps; sequential ``"Reds"`` (white zero to red) for
        maps that are never negative, such as after ReLU or pooling, so a red
        keeps its meaning.
    colorbar : bool

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_feature_maps"
    maps = numeric_array(func, "maps", maps, "(C, H, W)")
    if maps.ndim != 3 or 0 in maps.shape:
        hint = " (one example: take maps[0] of a batch)" if maps.ndim == 4 else ""
        raise ValueError(f"{func}: expected the feature maps of one example, shape (C, H, W), got "
                         f"shape {shape_str(maps.shape)}{hint}")
    if scale not in ("shared", "each"):
        raise ValueError(f"{func}: expected scale 'shared' or 'each', got {scale!r}")
    vmax = _check_vmax(func, vmax)
    c, h, w = maps.shape
    ncols = _check_ncols(func, ncols, c)
    titles = [str(i) for i in range(c)] if titles is None else _check_texts(func, "titles", titles, c)
    if scale == "each":
        peaks = np.abs(maps).max(axis=(1, 2), keepdims=True)
        maps = maps / np.where(peaks > 0, peaks, 1.0)
        limit = 1.0
    else:
        limit = vmax or float(np.abs(maps).max()) or 1.0
    signed = bool(maps.min() < 0)
    if cmap is None:
        cmap = "RdBu_r" if signed else "Reds"
    nrows = -(-c // ncols)
    gap = max(1, round(0.1 * w))
    title_height = max(2, round(0.35 * h)) if titles else 0
    mosaic, origins = _mosaic(maps, ncols, gap, title_height)
    if ax is None:
        tile = 0.9 if h > 8 else 0.7
        fig, (ax,) = new_figure(1, min(ncols, c) * tile + (1.2 if colorbar else 0.3),
                                nrows * tile * (1 + title_height / h) + (0.5 if title else 0.15))
    else:
        fig = ax.figure
    image = _draw_mosaic(ax, mosaic, cmap=cmap, vmin=-limit if signed else 0.0, vmax=limit)
    _frame_tiles(ax, origins, h, w)
    for text, (top, left) in zip(titles or [], origins):
        ax.text(left + (w - 1) / 2, top - 0.5 - 0.08 * title_height, text, ha="center", va="bottom",
                fontsize=SMALL)
    if colorbar:
        add_colorbar(fig, image, ax, _("value / channel's max |value|") if scale == "each" else None,
                     fraction=0.03, pad=0.02, shrink=0.9)
    if title:
        ax.set_title(title, fontsize=LARGE)
    return fig


@figure_text
def plot_filters(w, ax=None, *, title=None, vmax=None, cmap="RdBu_r", colorbar=True):
    """The weights of a convolution layer: one column per filter, one row per input channel.

    Parameters
    ----------
    w : ndarray, shape (F, C, KH, KW)
        E.g. ``model["conv1"].params["w"]``: (6, 1, 5, 5) in LeNet-5, or
        ``model["conv2"].params["w"]``: (16, 6, 5, 5). Tile (row c, column f)
        is ``w[f, c]``, the kernel filter f slides over input channel c.
    ax : matplotlib Axes, optional
    title : str, optional
    vmax : float > 0, optional
        The colour scale runs from ``-vmax`` to ``vmax``; default ``max |w|``.
        Give the same value to compare the filters of several stages of training.
    cmap : str
        One colour scale for all, symmetric about 0 (default red positive,
        blue negative, white zero).
    colorbar : bool

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_filters"
    w = numeric_array(func, "w", w, "(F, C, KH, KW)")
    if w.ndim != 4 or 0 in w.shape:
        raise ValueError(f"{func}: expected convolution weights of shape (F, C, KH, KW), e.g. "
                         f"model['conv1'].params['w'], got shape {shape_str(w.shape)}")
    vmax = _check_vmax(func, vmax)
    f, c, kh, kw = w.shape
    tiles = w.transpose(1, 0, 2, 3).reshape(c * f, kh, kw)   # row c, column f
    gap = max(1, round(0.2 * kw))
    mosaic, origins = _mosaic(tiles, f, gap, 0)
    limit = vmax or float(np.abs(w).max()) or 1.0
    if ax is None:
        tile = 0.75 if f * c <= 16 else 0.45
        fig, (ax,) = new_figure(1, f * tile + (1.8 if colorbar else 1.0),
                                c * tile + 1.1 + (0.35 if title else 0))
    else:
        fig = ax.figure
    image = _draw_mosaic(ax, mosaic, cmap=cmap, vmin=-limit, vmax=limit)
    _frame_tiles(ax, origins, kh, kw)
    ax.set_xticks([j * (kw + gap) + (kw - 1) / 2 for j in range(f)], [str(j) for j in range(f)],
                  fontsize=SMALL)
    ax.set_xlabel(_("filter (output channel)"), fontsize=MEDIUM)
    if c > 1:
        ax.set_yticks([i * (kh + gap) + (kh - 1) / 2 for i in range(c)], [str(i) for i in range(c)],
                      fontsize=SMALL)
        ax.set_ylabel(_("input channel"), fontsize=MEDIUM)
    ax.tick_params(length=0)
    if colorbar:
        add_colorbar(fig, image, ax, _("weight"), fraction=0.03, pad=0.02)
    if title is None:
        title = _("{f} filters of shape {shape}").format(f=f, shape=f"{c}×{kh}×{kw}")
    ax.set_title(title, fontsize=LARGE)
    return fig


@figure_text
def plot_image_gallery(images, titles=None, ax=None, *, ncols=None, title_colors=None,
                       frame_colors=None, title=None, cmap="gray_r", tile=0.85):
    """Small images side by side, each with a title above it.

    Parameters
    ----------
    images : ndarray, shape (N, 1, H, W) or (N, H, W)
        E.g. MNIST digits (N, 1, 28, 28) in [0, 1] (drawn dark on white, 0 to 1);
        other ranges are drawn from their minimum to their maximum. N may be
        0: the axes then say "no images".
    titles : sequence of N str, optional
        May hold line breaks (``"#12\\np=0.97"``).
    ax : matplotlib Axes, optional
    ncols : int, optional
        Images per row; default up to 8.
    title_colors, frame_colors : sequence of N colours, optional
        Colour of each title and of each image's frame (e.g. red for mistakes).
    title : str, optional
        Title of the whole gallery.
    cmap : str
    tile : float > 0
        Without ``ax``: the width of each image in the new figure, in inches
        (0.85: 82 px in the explorers, each digit pixel about 3 px).

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_image_gallery"
    if isinstance(tile, bool) or not isinstance(tile, (int, float)) or not tile > 0:
        raise ValueError(f"{func}: expected tile to be a positive number of inches, got {tile!r}")
    images = numeric_array(func, "images", images, "(N, 1, H, W) or (N, H, W)")
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3 or images.shape[1] == 0 or images.shape[2] == 0:
        raise ValueError(f"{func}: expected greyscale images of shape (N, 1, 28, 28) or (N, 28, 28), "
                         f"got shape {shape_str(images.shape)}")
    n, h, w = images.shape
    ncols = _check_ncols(func, ncols, n)
    titles = _check_texts(func, "titles", titles, n)
    title_colors = _check_texts(func, "title_colors", title_colors, n, strings=False)
    frame_colors = _check_texts(func, "frame_colors", frame_colors, n, strings=False)
    if n == 0:
        if ax is None:
            fig, (ax,) = new_figure(1, 5.0, 1.0)
        else:
            fig = ax.figure
        ax.set_axis_off()
        ax.text(0.5, 0.5, _("no images"), ha="center", va="center", transform=ax.transAxes,
                color="0.4", fontsize=MEDIUM)
        if title:
            ax.set_title(title, fontsize=LARGE)
        return fig
    lines = max((t.count("\n") + 1 for t in titles), default=0) if titles else 0
    title_height = round(h * (0.08 + 0.26 * lines)) if lines else 0
    gap = max(1, round(0.1 * w))
    mosaic, origins = _mosaic(images, ncols, gap, title_height)
    low, high = float(images.min()), float(images.max())
    vmin, vmax = (0.0, 1.0) if low >= 0 and high <= 1 else (low, high if high > low else low + 1)
    if ax is None:
        nrows = -(-n // ncols)
        # at least as wide as the title (about 0.55 em per character)
        wide = 0.55 * LARGE / 72 * columns(title or "") + 0.3
        fig, (ax,) = new_figure(1, max(min(n, ncols) * tile * (1 + gap / w) + 0.2, wide),
                                nrows * tile * (1 + (title_height + gap) / h) + (0.4 if title else 0.1))
    else:
        fig = ax.figure
    _draw_mosaic(ax, mosaic, cmap=cmap, vmin=vmin, vmax=vmax)
    _frame_tiles(ax, origins, h, w, colors=frame_colors)
    for k, (top, left) in enumerate(origins):
        if titles:
            ax.text(left + (w - 1) / 2, top - 0.5 - 0.03 * h, titles[k], ha="center", va="bottom",
                    fontsize=SMALL, linespacing=1.05,
                    color=title_colors[k] if title_colors else "black")
    if title:
        ax.set_title(title, fontsize=LARGE)
    return fig
