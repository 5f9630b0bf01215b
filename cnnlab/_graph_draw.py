"""Drawing computational graphs: operations as boxes, values on the arrows between them.

Each arrow carries a value forwards and its gradient backwards; the forward
value is written above it (beside it, left, when it is steep) in black, the
gradient below it (right) in red, as "Deep Learning from Scratch" draws them.
Coordinates are inches, so a layout reads the same at any size: the figure is
made exactly as large as the layout's ``extent``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._checks import shape_str
from .i18n import _, columns
from .i18n.fonts import figure_text

FONT = 12
FORWARD_COLOR = "black"
BACKWARD_COLOR = "#cb181d"
BOX_FACE = "#deebf7"
BOX_EDGE = "#3182bd"
GAP = 0.1  # inches between a label and its arrow


class Node(NamedTuple):
    """An operation (a box) or an input or output (a bold label), centred at (x, y) inches."""

    label: str
    x: float
    y: float
    box: bool = True
    width: float | None = None  # inches; default from the label's length (too wide for mathtext)


class Edge(NamedTuple):
    """An arrow from node ``src`` to node ``dst``, carrying the value ``name``.

    ``forward`` is written above the arrow, ``backward`` (the gradient flowing back
    along it, this path's share) below; either may be None. ``at`` is where along
    the arrow the labels sit (0 at ``src``, 1 at ``dst``); ``side`` forces where
    they go: ``"auto"`` (above/below a flat arrow, on either side of a sloping
    one), ``"left"`` or ``"right"`` (both on that side, the gradient under the value).
    """

    src: str
    dst: str
    name: str
    forward: object = None
    backward: object = None
    at: float = 0.5
    side: str = "auto"
    key: str | None = None  # the name in ``figure.graph_values``; default ``name``
    forward_text: str | None = None  # written instead of "name = forward" ("" for nothing)
    backward_text: str | None = None  # written instead of "dname = backward"


class EdgeValues(NamedTuple):
    """What an arrow of a graph figure carries: its value and its gradient (or None)."""

    forward: object
    backward: object


def as_array(func, name, value, default, ndim, layout):
    """``value`` (or ``default``) as a float64 array with ``ndim`` axes, or a one-line error."""
    value = default if value is None else value
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{func}: expected {name} to be an array of numbers {layout}, got "
                        f"{type(value).__name__}") from None
    if array.ndim != ndim:
        raise ValueError(f"{func}: expected {name} of shape {layout}, got shape "
                         f"{shape_str(array.shape)}")
    return array


def fmt(value) -> str:
    """Numbers as written on an arrow: 3 significant digits of the largest entry, arrays as lists.

    Entries far smaller than the largest (rounding, an epsilon) print as 0.
    """
    if value is None:
        return ""
    array = np.asarray(value, dtype=np.float64)
    scale = float(np.abs(array).max()) if array.size else 0.0
    if array.ndim and scale > 0 and np.isfinite(scale):
        array = np.round(array, max(0, 2 - int(np.floor(np.log10(scale)))))
    return _fmt(array)


def _fmt(array) -> str:
    if array.ndim == 0:
        text = f"{float(array):.3g}"
        return "0" if text == "-0" else text
    inner = [_fmt(v) for v in array]
    one_line = "[" + ", ".join(inner) + "]"
    if array.ndim == 1 or len(one_line) <= 26 or len(inner) == 1:
        return one_line
    return "[" + ",\n ".join(inner) + "]"


def _width(text: str) -> float:
    """About how wide ``text`` is at ``FONT`` points, inches (its longest line)."""
    return 0.085 * max((columns(line) for line in text.split("\n")), default=0)


def _half_size(node: Node) -> tuple[float, float]:
    lines = node.label.split("\n")
    width = node.width or 0.1 * max(columns(line) for line in lines) + (0.35 if node.box else 0.1)
    height = 0.22 * len(lines) + (0.2 if node.box else 0.05)
    return max(width, 0.7 if node.box else 0.2) / 2, height / 2


def _endpoints(a: Node, b: Node):
    """Where the arrow from a to b leaves a's box and enters b's (on the line between centres)."""
    d = np.array([b.x - a.x, b.y - a.y], dtype=float)

    def exit_fraction(node):
        hw, hh = _half_size(node)
        tx = hw / abs(d[0]) if d[0] else np.inf
        ty = hh / abs(d[1]) if d[1] else np.inf
        return min(tx, ty) + 0.05 / np.hypot(*d)

    start = np.array([a.x, a.y]) + exit_fraction(a) * d
    end = np.array([b.x, b.y]) - exit_fraction(b) * d
    return start, end


def _labels(ax, edge: Edge, start, end):
    point = start + edge.at * (end - start)
    dx, dy = end - start
    forward = (edge.forward_text if edge.forward_text is not None
               else f"{edge.name} = {fmt(edge.forward)}" if edge.forward is not None else "")
    backward = (edge.backward_text if edge.backward_text is not None
                else f"d{edge.name} = {fmt(edge.backward)}" if edge.backward is not None else "")
    side = edge.side
    if side == "auto":
        side = "flat" if abs(dy) <= 0.15 * abs(dx) else "steep" if abs(dy) > abs(dx) else "sloping"
    if side == "flat":
        # a label longer than its arrow puts its value on a second line
        room = float(np.hypot(dx, dy)) - 0.1
        forward, backward = (text.replace(" = ", " =\n", 1) if _width(text) > room else text
                             for text in (forward, backward))
        places = [(forward, (0, GAP), "center", "bottom", FORWARD_COLOR),
                  (backward, (0, -GAP), "center", "top", BACKWARD_COLOR)]
    elif side == "sloping":
        # the value above the line, the gradient below it, each on the side where the
        # line falls away from the text
        rising = (dy > 0) == (dx > 0)
        places = [(forward, (-GAP if rising else GAP, GAP), "right" if rising else "left", "bottom",
                   FORWARD_COLOR),
                  (backward, (GAP if rising else -GAP, -GAP), "left" if rising else "right", "top",
                   BACKWARD_COLOR)]
    elif side == "steep":
        places = [(forward, (-GAP, 0), "right", "center", FORWARD_COLOR),
                  (backward, (GAP, 0), "left", "center", BACKWARD_COLOR)]
    else:
        sign, ha = (-1, "right") if side == "left" else (1, "left")
        places = [(forward, (sign * GAP, 0.03), ha, "bottom", FORWARD_COLOR),
                  (backward, (sign * GAP, -0.03), ha, "top", BACKWARD_COLOR)]
    for text, (ox, oy), ha, va, color in places:
        if text:
            ax.text(point[0] + ox, point[1] + oy, text, ha=ha, va=va, color=color, fontsize=FONT,
                    linespacing=1.15)


@figure_text
def draw_graph(nodes: dict, edges: list, *, extent, title, notes=(), ax=None):
    """Draw a computational graph; return its Figure, with ``figure.graph_values``.

    Parameters
    ----------
    nodes : dict of str -> Node
    edges : list of Edge
    extent : (xmin, xmax, ymin, ymax), inches
        The region of the nodes, the title at its top; a new figure is made this size
        (plus the notes under it).
    title : str
    notes : sequence of str
        Lines written under the graph (a result, how the paths add up).
    ax : matplotlib Axes, optional
        Draw on it instead of a new figure (then size it to ``extent`` yourself).

    Returns
    -------
    matplotlib.figure.Figure
        Made with pyplot when ``ax`` is None, so ``plt.show()`` shows it in a notebook.
        ``figure.graph_values`` maps each edge's key to its :class:`EdgeValues`.
    """
    from matplotlib.patches import FancyBboxPatch
    xmin, xmax, ymin, ymax = extent
    ymin_all = ymin - 0.4 * (len(notes) + 1) - 0.2  # room for the notes and the legend
    if ax is None:
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(xmax - xmin, ymax - ymin_all))
        fig.subplots_adjust(left=0, right=1, bottom=0, top=1)
    fig = ax.figure
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin_all, ymax)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.text(xmin + 0.1, ymax - 0.05, title, ha="left", va="top", fontsize=FONT + 2)
    for node in nodes.values():
        if node.box:
            hw, hh = _half_size(node)
            ax.add_patch(FancyBboxPatch((node.x - hw, node.y - hh), 2 * hw, 2 * hh,
                                        boxstyle="round,pad=0,rounding_size=0.12",
                                        facecolor=BOX_FACE, edgecolor=BOX_EDGE, linewidth=1.5))
        ax.text(node.x, node.y, node.label, ha="center", va="center", fontsize=FONT + 1,
                fontweight="normal" if node.box else "bold", linespacing=1.15)
    values = {}
    for edge in edges:
        start, end = _endpoints(nodes[edge.src], nodes[edge.dst])
        ax.annotate("", xy=end, xytext=start,
                    arrowprops=dict(arrowstyle="-|>", color="0.3", linewidth=1.5,
                                    mutation_scale=16, shrinkA=0, shrinkB=0))
        _labels(ax, edge, start, end)
        values[edge.key or edge.name] = EdgeValues(edge.forward, edge.backward)
    legend = [_("black: the value computed forward;  red: its gradient dL/d(value), flowing back")]
    if not any(edge.backward is not None for edge in edges):
        legend = []
    for k, line in enumerate(list(notes) + legend):
        ax.text(xmin + 0.1, ymin - 0.1 - 0.4 * k, line, ha="left", va="top", fontsize=FONT,
                color="0.3" if line in legend else "black")
    fig.graph_values = values
    return fig
