"""Plots of numbers: learning curves, confusion matrices, a classifier's probabilities."""

from __future__ import annotations

import numpy as np

from .._checks import shape_str
from ..i18n import N_, _
from ..i18n.fonts import figure_text
from .grids import numeric_array
from .style import LARGE, LOG_FLOOR, SMALL, colorbar, integer_ticks, label_axes, new_figure, percent

__all__ = ["plot_history", "plot_confusion_matrix", "plot_probabilities"]

_SPLITS = ((N_("train"), "C0"), (N_("val"), "C1"), (N_("test"), "C2"))
_METRICS = {"loss": N_("loss"), "acc": N_("accuracy")}


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


@figure_text
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
        axes frame the per-epoch curves; the epoch axis has whole-number ticks.

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
        fig, axes = new_figure(len(metrics), 4.8, 3.4)
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
            axis.plot(step_x, step_y, color="C0", alpha=0.15, linewidth=0.6, label=_("train (per step)"))
            window = _smoothing_window(step_x)
            if window > 1:
                axis.plot(step_x[window - 1:], _moving_average(step_y, window), color="C0",
                          alpha=0.5, linewidth=1.0, label=_("train (mean of {n} steps)").format(n=window))
        per_epoch = []
        for split, color in _SPLITS:
            y = _column(epochs[f"{split}_{metric}"])
            if y.size and not np.all(np.isnan(y)):
                axis.plot(x, y, "o-", color=color, markersize=4, label=_(split))
                per_epoch.append(y)
        label_axes(axis, xlabel=_("epoch"), ylabel=_(_METRICS[metric]), title=_(_METRICS[metric]))
        integer_ticks(axis.xaxis)
        axis.grid(True, alpha=0.3)
        _zoom_on_epochs(axis, metric, per_epoch)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=SMALL)
    return fig


@figure_text
def plot_confusion_matrix(cm, class_names=None, normalize=False, ax=None, *, cmap="Blues"):
    """A confusion matrix as an image, counts (or percentages of each row) written in the cells.

    Parameters
    ----------
    cm : ndarray, shape (K, K)
        Rows are true classes, columns predicted ones (as
        :func:`cnnlab.metrics.confusion_matrix`).
    class_names : sequence of K str, optional
        Tick labels; default ``0..K-1``.
    normalize : bool
        Show each cell as a percentage of its row: the diagonal then shows
        per-class accuracy (rows without examples stay 0). A cell that is not
        empty never reads 0 (``"0.4"``, ``"<0.01"``), see :func:`percent`.
    ax : matplotlib Axes, optional
    cmap : str
        Sequential (the values are counts, never negative).

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
        size = max(4.5, 0.5 * k + 2)
        fig, (ax,) = new_figure(1, size, size * 0.85)
    else:
        fig = ax.figure
    top = 1.0 if normalize else max(values.max(), 1)
    image = ax.imshow(100 * values if normalize else values, cmap=cmap, vmin=0,
                      vmax=100 * top if normalize else top)
    colorbar(fig, image, ax, _("% of the true class") if normalize else _("images"),
             fraction=0.046, pad=0.04)
    for i in range(k):
        for j in range(k):
            text = percent(values[i, j], sign=False) if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=SMALL,
                    color="white" if values[i, j] > top / 2 else "black")
    long_names = max(map(len, names)) > 2
    ax.set_xticks(range(k), names, rotation=45 if long_names else 0,
                  ha="right" if long_names else "center")
    ax.set_yticks(range(k), names)
    label_axes(ax, xlabel=_("predicted class"), ylabel=_("true class"),
               title=_("confusion matrix (% of each row)") if normalize else _("confusion matrix"))
    return fig


@figure_text
def plot_probabilities(probs, ax=None, *, class_names=None, true_label=None, title=None, log=False):
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
    log : bool
        A logarithmic axis from 0.0001% to 100%, on which an answer given with
        99.9% and one given with 99.9999% look different: the other classes'
        bars are a thousand times taller in the first. Bars of at least 0.01%
        carry their percentage.

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_probabilities"
    probs = numeric_array(func, "probs", probs, "(K,)")
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
        fig, (ax,) = new_figure(1, max(4.0, 0.4 * k + 1.2), 3.0)
    else:
        fig = ax.figure
    floor = LOG_FLOOR if log else 0.0
    bars = ax.bar(range(k), np.maximum(probs, floor) - floor, bottom=floor, color=colors, width=0.75)
    low_mark = 10 * floor if log else 0.02
    if true_label is not None and true_label != predicted:
        bars[true_label].set_edgecolor("C2")
        bars[true_label].set_linewidth(2)
        if probs[true_label] < low_mark:  # a bar too short to see: mark where it stands
            ax.plot([true_label], [low_mark], marker="^", color="C2", markersize=8, clip_on=False)
    labelled = 1e-4 if log else 0.01
    for i, p in enumerate(probs):
        if p >= labelled:
            ax.text(i, p * 1.4 if log else p + 0.02, percent(p), ha="center", va="bottom",
                    fontsize=SMALL, rotation=90 if log and p < 0.5 else 0)
    ax.set_xticks(range(k), names)
    if log:
        ax.set_yscale("log")
        ax.set_ylim(floor, 5.0)
        ticks = [1e-6, 1e-4, 1e-2, 1.0]
        ax.set_yticks(ticks, [f"{100 * t:g}%" for t in ticks])
        ax.minorticks_off()
    else:
        ax.set_ylim(0, 1.15)
        ax.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
    ax.set_xlim(-0.6, k - 0.4)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title is None:
        title = _("prediction: {name} ({p})").format(name=names[predicted], p=percent(probs[predicted]))
    label_axes(ax, xlabel=_("class"), ylabel=_("probability (log scale)") if log else _("probability"),
               title=title)
    ax.title.set_fontsize(LARGE)
    return fig
