"""TrainingView: live learning curves, as a callback of :func:`cnnlab.train.fit`."""

from __future__ import annotations

import time

import numpy as np

from .._options import check_int
from ..train.callbacks import Callback
from ..viz import plot_history
from ._common import Explorer, figure_png, picture

__all__ = ["TrainingView"]


class TrainingView(Explorer, Callback):
    """Loss and accuracy curves (train per step, train and test per epoch) that redraw during training.

    Give it to ``fit(callbacks=[view])``. The curves are one PNG in an
    ``ipywidgets.Image`` whose value is replaced every ``every`` steps and
    after every epoch: the picture changes in place, without flicker, in
    JupyterLab and in Voila. Run ``fit`` inside ``with view:`` to have its
    progress bars (and any message) appear in the view, under the curves.

    >>> view = TrainingView(every=100)                                   # doctest: +SKIP
    >>> display(view)                                                    # doctest: +SKIP
    >>> with view:                                                       # doctest: +SKIP
    ...     history = fit(model, data, optimizer=Adam(model), num_epochs=5,
    ...                   rng=np.random.default_rng(0), callbacks=[view])

    Parameters
    ----------
    every : int >= 1
        Redraw every ``every`` optimizer steps (and after every epoch). A
        redraw takes about a tenth of a second.
    dpi : int
        Resolution of the picture.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root (CSS class ``cnnlab-training-view``).
    picture : ipywidgets.Image
        The curves (CSS class ``cnnlab-picture``).
    status : ipywidgets.HTML
        Epoch, step, time, the latest numbers.
    log : ipywidgets.Output
        Where ``with view:`` sends output.
    redraws : int
        How many times the picture was drawn.
    """

    css_class = "cnnlab-training-view"

    def __init__(self, every=100, *, dpi=80):
        import ipywidgets as widgets

        self.every = check_int("TrainingView", "every", every, low=1)
        self.dpi = check_int("TrainingView", "dpi", dpi, low=10)
        self.picture = picture()
        self.status = widgets.HTML("<i>waiting for fit to start</i>")
        self.log = widgets.Output()
        self.widget = widgets.VBox([self.status, self.picture, self.log])
        self.widget.add_class(self.css_class)
        self.redraws = 0
        self._started = None

    # -- the callback ---------------------------------------------------------------------------
    def on_train_begin(self, history, model):
        self._started = time.perf_counter()
        self.update(history)

    def on_step_end(self, step, history, model):
        if step % self.every == 0:
            self.update(history)

    def on_epoch_end(self, epoch, history, model):
        self.update(history)

    def on_train_end(self, history, model):
        self.update(history, done=True)

    # -- drawing --------------------------------------------------------------------------------
    def update(self, history, *, done=False) -> None:
        """Redraw the curves and the status line from a :class:`~cnnlab.train.History`."""
        self.picture.value = figure_png(plot_history(history), dpi=self.dpi)
        self.redraws += 1
        self.status.value = self._status(history, done)

    def _status(self, history, done) -> str:
        steps, epochs = history.steps, history.epochs
        parts = []
        if steps["step"]:
            recent = slice(-min(len(steps["loss"]), self.every), None)
            parts.append(f"step {steps['step'][-1]:,} (epoch {steps['epoch'][-1]:.2f})")
            parts.append(f"last {len(steps['loss'][recent])} steps: loss {np.mean(steps['loss'][recent]):.4f}, "
                         f"accuracy {np.mean(steps['acc'][recent]):.2%}")
        if epochs["epoch"]:
            test = history.last("test_acc")
            parts.append(f"after epoch {epochs['epoch'][-1]}: train accuracy "
                         f"{history.last('train_acc'):.2%}"
                         + ("" if test is None else f", <b>test accuracy {test:.2%}</b>"))
        if self._started is not None:
            parts.append(f"{time.perf_counter() - self._started:.1f} s")
        text = " · ".join(parts) if parts else "starting"
        return ("<b>done</b> · " if done else "<b>training</b> · ") + text

    # -- with view: ... -------------------------------------------------------------------------
    def __enter__(self):
        self.log.__enter__()
        return self

    def __exit__(self, *exc):
        return self.log.__exit__(*exc)

    def __repr__(self):
        return f"<TrainingView: redraws every {self.every} steps; run the notebook to watch it>"
