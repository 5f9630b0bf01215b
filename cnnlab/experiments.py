"""The helpers of the appendix ``notebooks/extras/12_lenet5_experiments.ipynb``, kept here so
its cells stay short.

* :func:`plot_runs`: per-epoch curves of several training runs, side by side;
* :func:`plot_feature_maps_over_training`: the same digits' feature maps in
  snapshots of one network taken as it trained;
* :func:`ensemble_proba`: the mean of several models' softmax probabilities.
"""

from __future__ import annotations

import numpy as np

from ._checks import check_batch
from .i18n import N_, _
from .i18n.fonts import figure_text
from .inspect import activations
from .train import predict_proba
from .viz import plot_feature_maps
from .viz.style import SMALL, integer_ticks, label_axes, new_figure

__all__ = ["ensemble_proba", "plot_feature_maps_over_training", "plot_runs"]

#: What each per-epoch field of a History measures, as an axis label.
METRIC_LABELS = {
    "train_loss": N_("training loss (mean over the epoch)"),
    "train_acc": N_("training accuracy (mean over the epoch)"),
    "test_loss": N_("test loss (after the epoch)"),
    "test_acc": N_("test accuracy (after the epoch)"),
    "val_loss": N_("validation loss (after the epoch)"),
    "val_acc": N_("validation accuracy (after the epoch)"),
}


@figure_text
def plot_runs(runs, metrics=("train_loss", "test_acc"), ax=None, *, title=None, styles=None):
    """One panel per metric, one line per run, against whole-number epochs.

    Parameters
    ----------
    runs : dict of str -> cnnlab.train.History
        E.g. ``{"modern": history_a, "classic (1998)": history_b}``; the keys label the lines.
    metrics : sequence of str
        Per-epoch fields of a History (see :data:`METRIC_LABELS`).
    ax : sequence of matplotlib Axes, optional
        One per metric (e.g. from ``plt.subplots``); None draws on a new figure.
    title : str, optional
        Title of the figure.
    styles : dict of str -> dict, optional
        Extra keyword arguments of ``Axes.plot`` for some runs, e.g.
        ``{"seed 3": {"color": "0.6", "linewidth": 1}}``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not isinstance(runs, dict) or not runs:
        raise TypeError("plot_runs: expected a dict {label: History} of at least one run")
    unknown = [m for m in metrics if m not in METRIC_LABELS]
    if not metrics or unknown:
        raise ValueError(f"plot_runs: unknown metrics {unknown}; expected some of {list(METRIC_LABELS)}")
    styles = styles or {}
    if ax is None:
        fig, axes = new_figure(len(metrics), 5.6, 3.8)
    else:
        axes = [ax] if not isinstance(ax, (list, tuple, np.ndarray)) else list(np.ravel(ax))
        if len(axes) != len(metrics):
            raise ValueError(f"plot_runs: expected one Axes per metric ({len(metrics)}), got {len(axes)}")
        fig = axes[0].figure
    for axis, metric in zip(axes, metrics):
        for label, history in runs.items():
            axis.plot(history.epochs["epoch"], history.epochs[metric], "o-", markersize=4,
                      label=label, **styles.get(label, {}))
        label_axes(axis, xlabel=_("epoch"), ylabel=_(METRIC_LABELS[metric]))
        integer_ticks(axis.xaxis)
        axis.grid(True, alpha=0.3)
    axes[-1].legend(fontsize=SMALL)
    if title:
        fig.suptitle(title, fontsize=SMALL + 2)
    return fig


@figure_text
def plot_feature_maps_over_training(models, x, layers=("relu1", "relu2"), *, fig=None):
    """The feature maps of the same digits in several snapshots of one network.

    One row per (digit, snapshot): the digit, then one grid of feature maps per
    layer, each channel scaled to its own largest value (the pattern, not the
    size, is what changes). Computed with :func:`cnnlab.inspect.activations`,
    in eval mode, leaving the models as they were.

    Parameters
    ----------
    models : dict of str -> model
        Snapshots in training order, e.g. ``{"epoch 0": m0, "epoch 5": m5}``;
        each a :class:`~cnnlab.layers.Sequential` such as LeNet5.
    x : ndarray, shape (D, 1, H, W)
        The digits, e.g. (2, 1, 28, 28).
    layers : sequence of str
        Layers whose outputs (N, C, H', W') are shown, e.g. ``("relu1", "relu2")``.
    fig : matplotlib Figure, optional
        An empty figure to draw on, e.g. ``plt.figure()`` so that ``plt.show()``
        shows it (its size is set here); None draws on a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_feature_maps_over_training"
    if not isinstance(models, dict) or not models:
        raise TypeError(f"{func}: expected a dict {{label: model}} of at least one snapshot")
    check_batch(func, x)
    outputs = {label: activations(model, x) for label, model in models.items()}
    first = next(iter(outputs.values()))
    missing = [name for name in layers if name not in first]
    if missing:
        raise ValueError(f"{func}: no layer {missing}; the model's layers are {list(first)}")
    shapes = [first[name].shape[1:] for name in layers]  # (C, H', W') of each layer
    columns = [max(1, -(-c // 2) if c > 8 else c) for c, _, _ in shapes]  # > 8 maps: two rows
    widths = [1.0] + [n * w / x.shape[-1] * 0.9 for n, (_, _, w) in zip(columns, shapes)]
    rows = len(x) * len(models)
    if fig is None:
        from matplotlib.figure import Figure
        fig = Figure()
    fig.set_size_inches(1.6 * sum(widths) + 0.5, 1.75 * rows)
    fig.set_layout_engine("constrained")
    grid = fig.subplots(rows, 1 + len(layers), squeeze=False, gridspec_kw={"width_ratios": widths})
    for d in range(len(x)):
        for s, (label, acts) in enumerate(outputs.items()):
            row = grid[d * len(models) + s]
            row[0].imshow(x[d, 0], cmap="gray_r", vmin=0, vmax=max(float(x[d].max()), 1e-12))
            row[0].set_xticks([])
            row[0].set_yticks([])
            label_axes(row[0], ylabel=label)
            for axis, name, ncols in zip(row[1:], layers, columns):
                title = _("{layer}, digit {d}").format(layer=name, d=d + 1) if s == 0 else None
                plot_feature_maps(acts[name][d], ax=axis, ncols=ncols, scale="each", colorbar=False,
                                  title=title)
    return fig


def ensemble_proba(models, x) -> np.ndarray:
    """The mean of the models' softmax probabilities, in eval mode.

    Parameters
    ----------
    models : sequence of models mapping (N, ...) to (N, K) class scores
    x : ndarray, shape (N, ...), float

    Returns
    -------
    ndarray, shape (N, K)
        Rows are non-negative and sum to 1; ``argmax(axis=1)`` is the ensemble's prediction.
    """
    models = list(models)
    if not models:
        raise ValueError("ensemble_proba: expected at least one model")
    check_batch("ensemble_proba", x)
    return np.mean([predict_proba(model, x) for model in models], axis=0)
