"""Plots of training runs and of what a network sees: curves, confusion matrices,
feature maps, filters, probabilities and galleries of images.

Plain functions that draw on a given matplotlib ``Axes`` or, without one, on
a new ``matplotlib.figure.Figure``, and return the figure. New figures are
created without ``pyplot``, so nothing accumulates in pyplot's global list
(a loop or the command line can make hundreds) and any backend works,
including Agg on a server. In a notebook, a returned figure shows when it is
the cell's last expression, or with ``display(fig)``; ``fig.savefig(path)``
writes a PNG.

Grids of small images (feature maps, filters, galleries) are drawn as one
mosaic on one Axes, with the tiles framed and labelled, rather than as one
Axes per tile: a figure of 96 filters then renders in about a tenth of a second,
fast enough for the interactive explorers of :mod:`cnnlab.widgets`.

Colours keep one meaning throughout: digits are dark ink on white
(``gray_r``); signed values (feature maps, weights) are red above zero, blue
below and white at zero (``RdBu_r``, symmetric about 0), so a map after ReLU
shows the reds of the map before it with its blues gone.
"""

from __future__ import annotations

import numpy as np

from ._checks import shape_str

__all__ = ["plot_history", "plot_confusion_matrix", "plot_feature_maps", "plot_filters",
           "plot_probabilities", "plot_image_gallery"]

_SPLITS = (("train", "C0"), ("val", "C1"), ("test", "C2"))
_METRICS = {"loss": "loss", "acc": "accuracy"}


def _new_figure(ncols, width, height):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _history_dict(history):
    if hasattr(history, "to_dict"):
        return history.to_dict()
    if isinstance(history, dict) and "epochs" in history:
        return history
    raise TypeError(f"plot_history: expected a cnnlab.train.History or its to_dict(), got "
                    f"{type(history).__name__}")


def _column(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _smoothing_window(step_epochs) -> int:
    """About a twentieth of an epoch of steps: smooth enough to read, short enough to follow."""
    if step_epochs.size < 2 or not np.isfinite(step_epochs[-1]) or step_epochs[-1] <= 0:
        return 1
    steps_per_epoch = step_epochs.size / step_epochs[-1]
    return int(min(max(1, steps_per_epoch // 20), step_epochs.size))


def _moving_average(y, window):
    cumulative = np.cumsum(np.insert(y, 0, 0.0))
    return (cumulative[window:] - cumulative[:-window]) / window


def _zoom_on_epochs(axis, metric, per_epoch):
    """Frame the per-epoch curves, which carry the lesson; the noisy per-step values may leave it."""
    values = np.concatenate(per_epoch) if per_epoch else np.array([])
    values = values[np.isfinite(values)]
    if metric == "acc":
        low = 0.0 if values.size == 0 else max(0.0, values.min() - 0.5 * (1.0 - values.min()) - 0.01)
        axis.set_ylim(low, 1.0)
    elif values.size:
        axis.set_ylim(0.0, 1.5 * values.max())


def plot_history(history, ax=None, *, metrics=("loss", "acc"), steps=True):
    """Learning curves: loss and accuracy against epochs, for train, val and test.

    Parameters
    ----------
    history : cnnlab.train.History or dict from ``History.to_dict()``
    ax : matplotlib Axes or sequence of Axes, optional
        One Axes per metric; None draws on a new figure, one panel per metric.
    metrics : sequence of {"loss", "acc"}
    steps : bool
        Also draw the per-step training values, faint, and their moving average
        over about a twentieth of an epoch, behind the per-epoch curves. The
        axes frame the per-epoch curves.

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = _history_dict(history)
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in _METRICS]
    if not metrics or unknown:
        raise ValueError(f"plot_history: unknown metrics {unknown}; expected some of {list(_METRICS)}")
    if ax is None:
        fig, axes = _new_figure(len(metrics), 4.5, 3.2)
    else:
        axes = [ax] if not isinstance(ax, (list, tuple, np.ndarray)) else list(np.ravel(ax))
        if len(axes) != len(metrics):
            raise ValueError(f"plot_history: expected {len(metrics)} Axes (one per metric "
                             f"{list(metrics)}), got {len(axes)}")
        fig = axes[0].figure
    epochs = data["epochs"]
    x = _column(epochs["epoch"])
    for axis, metric in zip(axes, metrics):
        if steps and data.get("steps") and data["steps"]["step"]:
            step_x, step_y = _column(data["steps"]["epoch"]), _column(data["steps"][metric])
            axis.plot(step_x, step_y, color="C0", alpha=0.15, linewidth=0.6, label="train (per step)")
            window = _smoothing_window(step_x)
            if window > 1:
                axis.plot(step_x[window - 1:], _moving_average(step_y, window), color="C0",
                          alpha=0.5, linewidth=1.0, label=f"train (mean of {window} steps)")
        per_epoch = []
        for split, color in _SPLITS:
            y = _column(epochs[f"{split}_{metric}"])
            if y.size and not np.all(np.isnan(y)):
                axis.plot(x, y, "o-", color=color, markersize=3, label=split)
                per_epoch.append(y)
        axis.set_xlabel("epoch")
        axis.set_ylabel(_METRICS[metric])
        axis.set_title(_METRICS[metric])
        axis.grid(True, alpha=0.3)
        _zoom_on_epochs(axis, metric, per_epoch)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize="small")
    return fig


def plot_confusion_matrix(cm, class_names=None, normalize=False, ax=None, *, cmap="Blues"):
    """A confusion matrix as an image, counts (or fractions) written in the cells.

    Parameters
    ----------
    cm : ndarray, shape (K, K)
        Rows are true classes, columns predicted ones (as
        :func:`cnnlab.metrics.confusion_matrix`).
    class_names : sequence of K str, optional
        Tick labels; default ``0..K-1``.
    normalize : bool
        Divide each row by its total: the diagonal then shows per-class
        accuracy (rows without examples stay 0).
    ax : matplotlib Axes, optional
    cmap : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"plot_confusion_matrix: expected a square (K, K) matrix, got shape {cm.shape}")
    k = cm.shape[0]
    names = [str(i) for i in range(k)] if class_names is None else [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"plot_confusion_matrix: expected {k} class names, got {len(names)}")
    values = cm.astype(float)
    if normalize:
        totals = values.sum(axis=1, keepdims=True)
        values = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    if ax is None:
        size = max(4.0, 0.45 * k + 2)
        fig, (ax,) = _new_figure(1, size, size * 0.85)
    else:
        fig = ax.figure
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=1 if normalize else max(values.max(), 1))
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    threshold = (1 if normalize else max(values.max(), 1)) / 2
    for i in range(k):
        for j in range(k):
            text = f"{values[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7 if k > 10 else 8,
                    color="white" if values[i, j] > threshold else "black")
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0, ha="right"
                  if max(map(len, names)) > 2 else "center")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("confusion matrix" + (" (row-normalised)" if normalize else ""))
    return fig


# -- grids of small images ------------------------------------------------------------------

def _numeric_array(func, name, value, expected):
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


def plot_feature_maps(maps, ax=None, *, ncols=None, scale="shared", vmax=None, titles=None,
                      title=None, cmap="RdBu_r", colorbar=True):
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
        ``"shared"``: one colour scale for every channel, symmetric about 0
        (``-m .. m`` with ``m = max |maps|``), with a colour bar, so channels can
        be compared. ``"each"``: every channel divided by its own largest
        ``|value|``, to see the pattern of weak channels too.
    vmax : float > 0, optional
        With ``scale="shared"``: the colour scale runs from ``-vmax`` to ``vmax``
        (default ``max |maps|``); give the same value to compare several plots.
    titles : sequence of C str, optional
        A label above each map; default its channel index.
    title : str, optional
        Title of the whole grid.
    cmap : str
        Diverging, white at the middle (default ``"RdBu_r"``: red positive, blue negative).
    colorbar : bool

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_feature_maps"
    maps = _numeric_array(func, "maps", maps, "(C, H, W)")
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
    nrows = -(-c // ncols)
    gap = max(1, round(0.1 * w))
    title_height = max(2, round(0.3 * h)) if titles else 0
    mosaic, origins = _mosaic(maps, ncols, gap, title_height)
    if ax is None:
        tile = 0.9 if h > 8 else 0.6
        fig, (ax,) = _new_figure(1, min(ncols, c) * tile + (1.0 if colorbar else 0.3),
                                 nrows * tile * (1 + title_height / h) + (0.45 if title else 0.15))
    else:
        fig = ax.figure
    image = _draw_mosaic(ax, mosaic, cmap=cmap, vmin=-limit, vmax=limit)
    _frame_tiles(ax, origins, h, w)
    for text, (top, left) in zip(titles or [], origins):
        ax.text(left + (w - 1) / 2, top - 0.5 - 0.08 * title_height, text, ha="center", va="bottom",
                fontsize=7)
    if colorbar:
        bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02, shrink=0.9)
        bar.ax.tick_params(labelsize=7)
        if scale == "each":
            bar.set_label("value / channel's max |value|", fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return fig


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
    w = _numeric_array(func, "w", w, "(F, C, KH, KW)")
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
        tile = 0.75 if f * c <= 16 else 0.42
        fig, (ax,) = _new_figure(1, f * tile + (1.6 if colorbar else 0.9),
                                 c * tile + 0.9 + (0.3 if title else 0))
    else:
        fig = ax.figure
    image = _draw_mosaic(ax, mosaic, cmap=cmap, vmin=-limit, vmax=limit)
    _frame_tiles(ax, origins, kh, kw)
    ax.set_xticks([j * (kw + gap) + (kw - 1) / 2 for j in range(f)], [str(j) for j in range(f)],
                  fontsize=7)
    ax.set_xlabel("filter (output channel)", fontsize=8)
    if c > 1:
        ax.set_yticks([i * (kh + gap) + (kh - 1) / 2 for i in range(c)], [str(i) for i in range(c)],
                      fontsize=7)
        ax.set_ylabel("input channel", fontsize=8)
    ax.tick_params(length=0)
    if colorbar:
        bar = fig.colorbar(image, ax=ax, fraction=0.03, pad=0.02)
        bar.ax.tick_params(labelsize=7)
        bar.set_label("weight", fontsize=7)
    ax.set_title(title if title is not None else f"{f} filters of shape {c}×{kh}×{kw}", fontsize=9)
    return fig


def plot_probabilities(probs, ax=None, *, class_names=None, true_label=None, title=None):
    """A classifier's probabilities for one example, as bars.

    The predicted class (the tallest bar) is green when it is ``true_label``,
    red when it is not, then the true class's bar is outlined in green; without
    ``true_label`` it is blue. Bars of at least 1% carry their percentage.

    Parameters
    ----------
    probs : ndarray, shape (K,)
        Probabilities in [0, 1], e.g. ``predict_proba(model, x[i:i+1])[0]``.
    ax : matplotlib Axes, optional
    class_names : sequence of K str, optional
        Default ``0..K-1``.
    true_label : int, optional
        The correct class, if known.
    title : str, optional
        Default ``"prediction: <class> (<probability>)"``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_probabilities"
    probs = _numeric_array(func, "probs", probs, "(K,)")
    if probs.ndim != 1 or probs.size == 0:
        hint = " (one example: take probs[0] of a batch)" if probs.ndim == 2 else ""
        raise ValueError(f"{func}: expected the probabilities of one example, shape (K,), got shape "
                         f"{shape_str(probs.shape)}{hint}")
    if probs.min() < -1e-6 or probs.max() > 1 + 1e-6:
        raise ValueError(f"{func}: expected probabilities in [0, 1] (a softmax output, e.g. from "
                         f"predict_proba), got values from {probs.min():.4g} to {probs.max():.4g}")
    k = probs.size
    names = [str(i) for i in range(k)] if class_names is None else [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"{func}: expected {k} class names, got {len(names)}")
    if true_label is not None:
        if isinstance(true_label, bool) or not isinstance(true_label, (int, np.integer)) \
                or not 0 <= true_label < k:
            raise ValueError(f"{func}: expected true_label to be a class index in 0..{k - 1}, got "
                             f"{true_label!r}")
        true_label = int(true_label)
    predicted = int(np.argmax(probs))
    colors = ["0.72"] * k
    if true_label is None:
        colors[predicted] = "C0"
    elif predicted == true_label:
        colors[predicted] = "C2"
    else:
        colors[predicted] = "C3"
    if ax is None:
        fig, (ax,) = _new_figure(1, max(3.2, 0.32 * k + 0.8), 2.4)
    else:
        fig = ax.figure
    bars = ax.bar(range(k), probs, color=colors, width=0.75)
    if true_label is not None and true_label != predicted:
        bars[true_label].set_edgecolor("C2")
        bars[true_label].set_linewidth(2)
        if probs[true_label] < 0.02:  # a bar too thin to see: mark where it stands
            ax.plot([true_label], [0.02], marker="^", color="C2", markersize=6, clip_on=False)
    for i, p in enumerate(probs):
        if p >= 0.01:
            ax.text(i, p + 0.02, f"{100 * p:.0f}%", ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(k), names, fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_yticks([0, 0.5, 1], ["0", "0.5", "1"], fontsize=7)
    ax.set_xlim(-0.6, k - 0.4)
    ax.set_xlabel("class", fontsize=8)
    ax.set_ylabel("probability", fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = f"prediction: {names[predicted]} ({probs[predicted]:.1%})"
    ax.set_title(title, fontsize=9)
    return fig


def plot_image_gallery(images, titles=None, ax=None, *, ncols=None, title_colors=None,
                       frame_colors=None, title=None, cmap="gray_r"):
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

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_image_gallery"
    images = _numeric_array(func, "images", images, "(N, 1, H, W) or (N, H, W)")
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
            fig, (ax,) = _new_figure(1, 3.0, 1.0)
        else:
            fig = ax.figure
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no images", ha="center", va="center", transform=ax.transAxes,
                color="0.4")
        if title:
            ax.set_title(title, fontsize=9)
        return fig
    lines = max((t.count("\n") + 1 for t in titles), default=0) if titles else 0
    title_height = round(h * (0.06 + 0.22 * lines)) if lines else 0
    gap = max(1, round(0.1 * w))
    mosaic, origins = _mosaic(images, ncols, gap, title_height)
    low, high = float(images.min()), float(images.max())
    vmin, vmax = (0.0, 1.0) if low >= 0 and high <= 1 else (low, high if high > low else low + 1)
    if ax is None:
        nrows = -(-n // ncols)
        tile = 0.8
        fig, (ax,) = _new_figure(1, min(n, ncols) * tile * (1 + gap / w) + 0.2,
                                 nrows * tile * (1 + (title_height + gap) / h) + (0.35 if title else 0.1))
    else:
        fig = ax.figure
    _draw_mosaic(ax, mosaic, cmap=cmap, vmin=vmin, vmax=vmax)
    _frame_tiles(ax, origins, h, w, colors=frame_colors)
    for k, (top, left) in enumerate(origins):
        if titles:
            ax.text(left + (w - 1) / 2, top - 0.5 - 0.03 * h, titles[k], ha="center", va="bottom",
                    fontsize=7, linespacing=1.05,
                    color=title_colors[k] if title_colors else "black")
    if title:
        ax.set_title(title, fontsize=9)
    return fig
