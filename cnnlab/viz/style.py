"""What every plot shares: text sizes legible on a projector, percentages that never
round to a lie, integer epoch ticks, and new figures made without pyplot."""

from __future__ import annotations

#: Text sizes, in points. The explorers of :mod:`cnnlab.widgets` show a figure at
#: 96 CSS pixels per inch, where a point is 4/3 of a pixel: the smallest text,
#: 11 pt, is 14.7 px, legible on a projector 1280 pixels wide from the back of a room.
SMALL = 11     # tick labels, labels of tiles and bars, legends, colour bars
MEDIUM = 12    # axis labels
LARGE = 13     # titles

#: The smallest probability a log-scale bar chart shows (0.0001%).
LOG_FLOOR = 1e-6


def new_figure(ncols, width, height):
    """A Figure of ``ncols`` panels, each ``width`` x ``height`` inches, and its Axes (a list).

    Made without pyplot, so nothing accumulates in pyplot's list of figures.
    """
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def percent(p, *, sign: bool = True) -> str:
    """A probability or fraction ``p`` in [0, 1] as a percentage, with as few decimals
    as honesty allows.

    No decimals unless a non-zero ``p`` would round to 0 or a ``p`` below 1 to 100:
    ``percent(0.7)`` is ``"70%"``, ``percent(0.004)`` ``"0.4%"``, ``percent(0.9997)``
    ``"99.97%"``, and closer still ``">99.99%"`` (never ``"100%"`` unless it is 1).
    """
    value = 100 * float(p)
    for decimals in (0, 1, 2):
        text = f"{value:.{decimals}f}"
        rounded = float(text)
        if (rounded == 0) == (value == 0) and (rounded == 100) == (value == 100):
            break
    else:
        text = "<0.01" if value < 50 else ">99.99"
    return text + ("%" if sign else "")


def integer_ticks(axis) -> None:
    """Ticks at whole numbers only (epochs), however the axis is zoomed."""
    from matplotlib.ticker import MaxNLocator
    axis.set_major_locator(MaxNLocator(integer=True))


def label_axes(ax, *, xlabel=None, ylabel=None, title=None) -> None:
    """Axis labels, title and tick labels in the sizes above."""
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=MEDIUM)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=MEDIUM)
    if title is not None:
        ax.set_title(title, fontsize=LARGE)
    ax.tick_params(labelsize=SMALL)


def colorbar(fig, image, ax, label=None, **kwargs):
    """A colour bar beside ``ax`` with legible ticks and label."""
    bar = fig.colorbar(image, ax=ax, **kwargs)
    bar.ax.tick_params(labelsize=SMALL)
    if label:
        bar.set_label(label, fontsize=SMALL)
    return bar
