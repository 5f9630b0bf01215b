"""Where a training step spends its time, layer by layer.

>>> import numpy as np
>>> from cnnlab.models import LeNet5
>>> model = LeNet5(rng=np.random.default_rng(0), fast=True)
>>> x, y = np.zeros((64, 1, 28, 28), np.float32), np.zeros(64, np.int64)
>>> profile = profile_step(model, x, y)                    # doctest: +SKIP
>>> print(profile.table())                                 # doctest: +SKIP

The method
----------
A training step is a forward pass through every layer, the loss and its
gradient, and a backward pass through every layer in reverse order (the
optimizer's update, a few array operations per parameter, is left out).
:func:`profile_step` runs ``warmup`` steps untimed (the first steps pay for
memory allocation and for warming caches), then ``repeats`` steps on the same
batch, each layer's forward and backward timed on its own with
:func:`time.perf_counter`, with Python's garbage collector off as
:mod:`timeit` does. Each time reported is the **median** over the repeats, so
a step slowed down once by another program does not move it. The same steps
are also timed as one piece, with no clock between the layers, each right
after a timed step so that both meet the same load on the machine: ``whole``,
whose median the sum of the layers' medians should be close to (the clocks
themselves cost about a microsecond each; on a busy machine every time grows
and the two can differ more).

Times depend on the machine and on what else runs on it: quote them as "on
the machine that made these outputs", and compare ratios measured in one run.

Two paths
---------
``path="reference"`` times each child of a :class:`~cnnlab.layers.Sequential`
model (``("conv1", Conv2d)``, ``("relu1", ReLU)``...) with its own ``forward``
and ``backward``: the reference layers of :mod:`cnnlab.layers`.

``path="fast"`` times the stages that ``LeNet5(..., fast=True)`` (or
``DeepCNN``) computes with, built from the model's layers by the public
:func:`cnnlab.fast.build_stages`, each through its own ``forward`` and
``backward``. A fused stage such as ``conv1+relu1+pool1`` is one computation
(the ReLU and the bias are applied after the pooling), so it is timed, and
reported, as one row: its parts cannot be separated. As in training (``fit``
calls ``backward(dout, input_grad=False)``), the first stage's backward skips
the gradient of the input, which no one needs; the reference layers, whose
functions always compute it, are timed with it.

The model is left as it was: its parameters are never changed, and its
gradients, caches, running statistics, random generators' states and
train/eval modes are put back afterwards (a :class:`~cnnlab.layers.Snapshot`).
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field

import numpy as np

from ._checks import check_batch, shape_str
from ._options import check_choice, check_int, plural
from .i18n import N_, _
from .i18n.fonts import figure_text
from .layers import Snapshot, SoftmaxCrossEntropyLoss

__all__ = ["LayerTime", "StepProfile", "plot_step_profile", "profile_step", "profile_steps"]

PATHS = ("auto", "reference", "fast")


@dataclass(frozen=True)
class LayerTime:
    """Median seconds of one layer's (or fused stage's) forward and backward in a step."""

    name: str
    forward: float
    backward: float

    @property
    def total(self) -> float:
        return self.forward + self.backward


@dataclass
class StepProfile:
    """The result of :func:`profile_step`; every time in seconds.

    Attributes
    ----------
    path : {"reference", "fast"}
    layers : list of LayerTime
        In the order of the forward pass; the loss (softmax and cross-entropy) last.
    whole : float
        Median time of the same step timed as one piece.
    batch_size, warmup, repeats : int
    """

    path: str
    layers: list[LayerTime]
    whole: float
    batch_size: int
    warmup: int
    repeats: int
    samples: dict = field(default_factory=dict, repr=False)  # name -> (repeats, 2) raw times

    @property
    def total(self) -> float:
        """Sum of the layers' median times (forward and backward)."""
        return sum(row.total for row in self.layers)

    def share(self, name_contains: str) -> float:
        """Fraction of :attr:`total` spent in layers whose name contains ``name_contains`` (e.g. "conv")."""
        return sum(row.total for row in self.layers if name_contains in row.name) / self.total

    def table(self) -> str:
        """The times in milliseconds, one row per layer, with each layer's share of the step."""
        width = max(len(row.name) for row in self.layers) + 2
        head = f"{'layer':<{width}}{'forward ms':>11}{'backward ms':>13}{'share':>8}"
        heading = (f"{self.path} path, batch of {self.batch_size}, median of {plural(self.repeats, 'step')} "
                   f"after {self.warmup} untimed")
        lines = [heading, head, "-" * len(head)]
        for row in self.layers:
            lines.append(f"{row.name:<{width}}{row.forward * 1e3:>11.3f}{row.backward * 1e3:>13.3f}"
                         f"{row.total / self.total:>8.1%}")
        forward = sum(row.forward for row in self.layers)
        lines += ["-" * len(head),
                  f"{'sum':<{width}}{forward * 1e3:>11.3f}{(self.total - forward) * 1e3:>13.3f}",
                  f"{'whole step':<{width}}{self.whole * 1e3:>24.3f}"]
        return "\n".join(lines)


def _units(model, path, func):
    """(name, forward, backward) for every timed piece of the step, in forward order."""
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not all(isinstance(item, tuple) and len(item) == 2 for item in layers):
        raise TypeError(f"{func}: expected a cnnlab.layers.Sequential model (with .layers, a list of "
                        f"(name, layer) pairs), such as LeNet5; got {type(model).__name__}")
    if path == "reference":
        return [(name, layer.forward, layer.backward) for name, layer in layers]
    from .fast import build_stages  # imported only when asked for
    try:
        stages = build_stages(layers)
    except ValueError as exc:
        raise ValueError(f"{func}: this model has no fast path ({exc})") from None
    return [(stage.name, stage.forward,
             # the input's gradient is skipped, as in training (see the module's docstring)
             (lambda dout, stage=stage, wanted=index > 0: stage.backward(dout, input_grad=wanted)))
            for index, stage in enumerate(stages)]


def profile_step(model, x, y, *, path="auto", warmup=3, repeats=20, loss=None) -> StepProfile:
    """Median time of each layer's forward and backward in one training step.

    Parameters
    ----------
    model : cnnlab.layers.Sequential
        E.g. ``LeNet5`` or ``DeepCNN``; run in train mode. Left as it was (see the module's docstring).
    x : ndarray, shape (N, C, H, W), float
        One batch, e.g. (64, 1, 28, 28) of the model's dtype; not modified.
    y : ndarray, shape (N,), int
        Its labels.
    path : {"auto", "reference", "fast"}
        ``"reference"``: the model's layers; ``"fast"``: the stages of
        :mod:`cnnlab.fast`; ``"auto"``: the one the model computes with
        (``fast`` when it was built with ``fast=True``).
    warmup : int >= 0
        Untimed steps first.
    repeats : int >= 1
        Timed steps; the medians are over these.
    loss : loss object, optional
        ``forward(scores, y)`` and ``backward()``; softmax cross-entropy by default.

    Returns
    -------
    StepProfile

    See also
    --------
    profile_steps : several models or paths, timed in turns so that they meet the same load.
    """
    return profile_steps({"": (model, path)}, x, y, warmup=warmup, repeats=repeats, loss=loss,
                         func="profile_step")[""]


class _Run:
    """One (model, path) being profiled: its timed pieces, and the arrays its times go to."""

    def __init__(self, model, path, repeats, func):
        if path == "auto":
            path = "fast" if getattr(model, "config", {}).get("fast") else "reference"
        self.model, self.path = model, path
        self.units = _units(model, path, func)
        self.names = [name for name, _, _ in self.units] + ["loss"]
        self.times = np.zeros((repeats, len(self.names), 2))  # (repeat, piece, forward/backward)
        self.whole = np.zeros(repeats)

    def step(self, x, y, loss, record=None):
        """One step; with ``record`` (a (pieces, 2) array), each piece's time written into it."""
        clock, timed = time.perf_counter, record is not None
        out = x
        for index, (_, forward, _) in enumerate(self.units):
            start = clock() if timed else 0.0
            out = forward(out)
            if timed:
                record[index, 0] = clock() - start
        start = clock() if timed else 0.0
        loss.forward(out, y)
        middle = clock() if timed else 0.0
        dout = loss.backward()
        if timed:
            record[-1] = middle - start, clock() - middle
        for index in reversed(range(len(self.units))):
            start = clock() if timed else 0.0
            dout = self.units[index][2](dout)
            if timed:
                record[index, 1] = clock() - start

    def profile(self, x, warmup):
        median = np.median(self.times, axis=0)
        rows = [LayerTime(name, float(f), float(b)) for name, (f, b) in zip(self.names, median)]
        return StepProfile(path=self.path, layers=rows, whole=float(np.median(self.whole)),
                           batch_size=int(x.shape[0]), warmup=warmup, repeats=len(self.whole),
                           samples={name: self.times[:, i].copy() for i, name in enumerate(self.names)})


def profile_steps(runs, x, y, *, warmup=3, repeats=20, loss=None, func="profile_steps") -> dict:
    """:func:`profile_step` for several models or paths at once, timed in turns.

    Every repeat times one step of each run, then one whole step of each, in
    turn: a load on the machine that comes and goes then falls on all of them
    alike, and their times can be compared. Timed one after the other, two
    profiles of the same convolution measured on a busy machine differed by
    nearly a factor of two.

    Parameters
    ----------
    runs : dict of str -> model or (model, path)
        E.g. ``{"reference": (model, "reference"), "fast": (model, "fast")}``;
        a model alone means ``(model, "auto")``. One model may appear several times.
    x, y, warmup, repeats, loss
        As in :func:`profile_step`.

    Returns
    -------
    dict of str -> StepProfile
        In the order of ``runs``.
    """
    warmup = check_int(func, "warmup", warmup, low=0)
    repeats = check_int(func, "repeats", repeats, low=1)
    check_batch(func, x)
    y = np.asarray(y)
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{func}: expected y to be {x.shape[0]} integer labels, shape ({x.shape[0]},), "
                         f"got shape {shape_str(y.shape)} of dtype {y.dtype}")
    if not isinstance(runs, dict) or not runs:
        raise TypeError(f"{func}: expected runs as a dict {{label: model or (model, path)}}, got "
                        f"{type(runs).__name__}")
    prepared = {}
    for label, run in runs.items():
        model, path = run if isinstance(run, tuple) else (run, "auto")
        check_choice(func, "path", path, PATHS)
        prepared[label] = _Run(model, path, repeats, func)
    loss = SoftmaxCrossEntropyLoss() if loss is None else loss
    models = list({id(run.model): run.model for run in prepared.values()}.values())
    snapshots = [Snapshot(model, grads=True) for model in models]
    gc_was_enabled = gc.isenabled()
    try:
        for model in models:
            model.train()
        gc.disable()
        for _ in range(warmup):
            for run in prepared.values():
                run.step(x, y, loss)
        for r in range(repeats):
            for run in prepared.values():  # in turns: see the docstring
                run.step(x, y, loss, run.times[r])
                start = time.perf_counter()
                run.step(x, y, loss)
                run.whole[r] = time.perf_counter() - start
    finally:
        if gc_was_enabled:
            gc.enable()
        for snapshot in reversed(snapshots):
            snapshot.restore()
    return {label: run.profile(x, warmup) for label, run in prepared.items()}


@figure_text
def plot_step_profile(profiles, ax=None, *, labels=None, title=None):
    """Each layer's forward and backward time as stacked horizontal bars, one panel per profile.

    Parameters
    ----------
    profiles : StepProfile or sequence of StepProfile
        E.g. the reference and the fast path of one model; the panels share
        their time axis, so the bars can be compared across panels.
    ax : matplotlib Axes or sequence of Axes, optional
        One per profile; None draws on a new figure.
    labels : sequence of str, optional
        What each profile is, in the panels' titles (default: its path, "reference" or "fast").
    title : str, optional
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .viz.style import SMALL, label_axes, new_figure
    profiles = [profiles] if isinstance(profiles, StepProfile) else list(profiles)
    if not profiles or not all(isinstance(p, StepProfile) for p in profiles):
        raise TypeError("plot_step_profile: expected a StepProfile or a list of them, from profile_step")
    if ax is None:
        height = max(len(p.layers) for p in profiles) * 0.32 + 1.4
        fig, axes = new_figure(len(profiles), 6.0, height)
    else:
        axes = [ax] if not isinstance(ax, (list, tuple, np.ndarray)) else list(ax)
        if len(axes) != len(profiles):
            raise ValueError(f"plot_step_profile: expected one Axes per profile ({len(profiles)}), got {len(axes)}")
        fig = axes[0].figure
    paths = {"reference": N_("reference path"), "fast": N_("fast path")}
    labels = [_(paths[p.path]) for p in profiles] if labels is None else [str(label) for label in labels]
    if len(labels) != len(profiles):
        raise ValueError(f"plot_step_profile: expected one label per profile ({len(profiles)}), got {len(labels)}")
    longest = max(row.total for p in profiles for row in p.layers) * 1e3
    for axis, profile, label in zip(axes, profiles, labels):
        rows = profile.layers[::-1]  # first layer at the top
        forward = np.array([row.forward for row in rows]) * 1e3
        backward = np.array([row.backward for row in rows]) * 1e3
        positions = np.arange(len(rows))
        axis.barh(positions, forward, color="C0", label=_("forward"))
        axis.barh(positions, backward, left=forward, color="C1", label=_("backward"))
        axis.set_yticks(positions, [row.name for row in rows])
        axis.set_xlim(0, longest * 1.08)
        label_axes(axis, xlabel=_("median time per step (ms)"),
                   title=_("{label}: {ms:.1f} ms per step").format(label=label, ms=profile.whole * 1e3))
        axis.legend(fontsize=SMALL, loc="lower right")
    if title:
        fig.suptitle(title, fontsize=SMALL + 2)
    return fig
