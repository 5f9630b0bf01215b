"""Plots of training runs: learning curves and confusion matrices.

Plain functions that draw on a given matplotlib ``Axes`` or, without one, on
a new ``matplotlib.figure.Figure``, and return the figure. New figures are
created without ``pyplot``, so nothing accumulates in pyplot's global list
(a loop or the command line can make hundreds) and any backend works,
including Agg on a server. In a notebook, a returned figure shows when it is
the cell's last expression, or with ``display(fig)``; ``fig.savefig(path)``
writes a PNG.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_history", "plot_confusion_matrix"]

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
