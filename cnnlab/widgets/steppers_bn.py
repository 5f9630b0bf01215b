"""A stepper of batch normalisation: a batch's distribution moved, scaled, then scaled and shifted."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import functional as F
from .._checks import shape_str
from ..i18n import N_, _
from ..i18n.fonts import figure_text
from .steppers_base import FONT, TITLE, Stepper, num

__all__ = ["BatchNormStepper"]


class BatchNormStage(NamedTuple):
    """One stage of :class:`BatchNormStepper`."""

    name: str  #: ``"x"``, ``"x − μ"``, ``"x̂"``, ``"y"``
    caption: str  #: what the stage does
    values: np.ndarray  #: (N, D), the batch at this stage


class BatchNormStepper(Stepper):
    """Batch norm's forward pass in four stages, as histograms of the batch.

    Raw ``x``; ``x − μ`` (each feature's batch mean subtracted); ``x̂``, divided by
    the batch standard deviation; ``y = γ·x̂ + β``. One colour per feature, on one
    scale for every stage, so the distribution is seen to move and shrink. The
    mean, ``x̂`` and ``y`` are those of the library's ``batchnorm_forward`` in train
    mode (``cache.batch_mean``, ``cache.x_hat``, ``out``).

    Parameters
    ----------
    x : array, shape (N, D) or (N,)
        A batch of N examples of D features (at most 6, one colour each).
    gamma, beta : array, shape (D,), or float
    eps : float

    Attributes
    ----------
    out : ndarray, shape (N, D)
    frames : list of BatchNormStage
        The four stages.
    """

    title = N_("batch norm")
    interval = 2000

    @figure_text  # the stages' captions are drawn: English where no font draws Chinese
    def __init__(self, x, gamma=1.0, beta=0.0, *, eps=1e-5):
        func = "BatchNormStepper"
        try:
            x = np.array(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{func}: expected x to be an array of numbers (N, D), got "
                            f"{type(x).__name__}") from None
        self.x = x[:, None] if x.ndim == 1 else x
        if self.x.ndim != 2 or self.x.shape[0] < 2 or not 1 <= self.x.shape[1] <= 6:
            raise ValueError(f"{func}: expected x of shape (N, D) with N >= 2 examples and 1 to 6 "
                             f"features, got shape {shape_str(x.shape)}")
        d = self.x.shape[1]
        gamma = np.broadcast_to(np.asarray(gamma, dtype=np.float64), (d,)).copy()
        beta = np.broadcast_to(np.asarray(beta, dtype=np.float64), (d,)).copy()
        self.out, cache = F.batchnorm_forward(self.x, gamma, beta, eps=eps)
        self.gamma, self.beta = gamma, beta
        self.frames = [
            BatchNormStage("x", _("the batch as it comes"), self.x),
            BatchNormStage("x − μ", _("each feature's batch mean μ subtracted"),
                           self.x - cache.batch_mean),
            BatchNormStage("x̂", _("divided by the batch standard deviation √(σ² + ε)"), cache.x_hat),
            BatchNormStage("y", f"y = γ·x̂ + β, γ = {self._list(gamma)}, β = {self._list(beta)}",
                           self.out),
        ]
        every = np.concatenate([stage.values.ravel() for stage in self.frames])
        margin = 0.05 * (every.max() - every.min() or 1.0)
        self.bins = np.linspace(every.min() - margin, every.max() + margin, 61)
        # one height for every stage, with room above the bars for the legend
        self.top = 1.5 * max(np.histogram(stage.values[:, f], self.bins)[0].max()
                             for stage in self.frames for f in range(d))

    @staticmethod
    def _list(values):
        return num(values[0]) if len(values) == 1 else "[" + ", ".join(num(v) for v in values) + "]"

    def _size(self, compact):
        return (5.6, 3.2) if compact else (11.0, 4.6)

    def _draw(self, ax, step, compact):
        stage = self.frames[step]
        fontsize = FONT - 1 if compact else FONT
        for f in range(stage.values.shape[1]):
            color = f"C{f}"
            if step > 0 and not compact:  # where the previous stage was: dashed outline
                ax.hist(self.frames[step - 1].values[:, f], bins=self.bins, histtype="step",
                        color=color, linestyle="--", linewidth=1.2, alpha=0.7)
            label = _("feature {f}: mean {mean}, std {std}").format(
                f=f, mean=num(stage.values[:, f].mean()), std=num(stage.values[:, f].std()))
            ax.hist(stage.values[:, f], bins=self.bins, color=color, alpha=0.6, label=label)
            ax.axvline(stage.values[:, f].mean(), color=color, linewidth=2)
        ax.set_xlim(self.bins[0], self.bins[-1])
        ax.set_ylim(0, self.top)
        ax.tick_params(labelsize=fontsize - 1)
        ax.set_xlabel(_("value"), fontsize=fontsize)
        ax.set_ylabel(_("count"), fontsize=fontsize)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.legend(fontsize=fontsize - 1 if compact else fontsize, loc="upper left", frameon=False)
        if compact:
            ax.set_title(f"{step + 1}. {stage.name}", fontsize=TITLE)
        else:
            title = (_("{title}, step {step} of {n}: {name}, {caption}  (dashed: the step before)") if step
                     else _("{title}, step {step} of {n}: {name}, {caption}"))
            ax.set_title(title.format(title=_(self.title), step=step + 1, n=len(self), name=stage.name,
                                      caption=stage.caption), fontsize=TITLE, loc="left")
