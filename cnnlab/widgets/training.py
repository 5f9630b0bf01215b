"""TrainingView: live learning curves and a Stop button, as a callback of :func:`cnnlab.train.fit`."""

from __future__ import annotations

import html
import signal
import threading
import time

import numpy as np

from .._options import check_int
from ..i18n import N_, _
from ..train.callbacks import Callback, StopTraining
from ..viz import plot_history
from ._common import Explorer, picture, show_figure

__all__ = ["TrainingView"]

#: The states of the status line (translated there): training, stopping, stopped, done, failed.
TRAINING, STOPPING, STOPPED, DONE, FAILED = (N_("training"), N_("stopping"), N_("stopped"), N_("done"),
                                             N_("failed"))


def _state(state: str, *parts: str) -> str:
    """The status line: ``<b>state</b> · part · part``, the state in the course's language."""
    return " · ".join([f"<b>{_(state)}</b>", *parts])


def _on_click_while_busy(button, action) -> bool:
    """Call ``action()`` the moment ``button`` is clicked, even while a cell is running.

    The kernel runs one cell at a time and handles a click only after it, too
    late to stop a training that runs in that cell. ipykernel 7 reads every
    message in a thread of its own first, and asks a widget's comm there which
    subshell should handle it (``_reply_subshell_for``): wrapping that question
    lets a click be seen during the cell, while the answer stays the same.
    Returns False where the kernel offers no such hook (then only the kernel's
    interrupt stops a running cell).
    """
    comm = getattr(button, "comm", None)
    route = getattr(comm, "_reply_subshell_for", None)
    if route is None:
        return False

    def route_and_watch(data, default):
        if isinstance(data, dict) and data.get("method") == "custom" \
                and isinstance(data.get("content"), dict) and data["content"].get("event") == "click":
            action()
        return route(data, default)

    comm._reply_subshell_for = route_and_watch
    return True


class TrainingView(Explorer, Callback):
    """Loss and accuracy curves (train per step, train and test per epoch) that redraw during
    training, and a Stop button.

    Give it to ``fit(callbacks=[view])``, inside ``with view:``. The curves are one PNG in an
    ``ipywidgets.Image`` whose value is replaced every ``every`` steps and after every epoch:
    the picture changes in place, without flicker, in JupyterLab and in Voila. Inside
    ``with view:``, ``fit``'s progress bars (and any message) appear in the view, under the
    curves, and an error (such as a loss that is not finite) is raised in the cell as usual.

    **Stopping.** The Stop button, or the kernel's interrupt (JupyterLab's ■, or ``I, I``)
    during ``with view:``, ends training after the current step: ``fit`` returns the history
    so far, ``history.stopped`` (also in the status line) says how far it got, and the cells
    after it run as usual. A second interrupt raises ``KeyboardInterrupt`` at once.

    >>> view = TrainingView(every=100)                                   # doctest: +SKIP
    >>> display(view)                                                    # doctest: +SKIP
    >>> with view:                                                       # doctest: +SKIP
    ...     history = fit(model, data, optimizer=Adam(model), num_epochs=5,
    ...                   rng=np.random.default_rng(0), callbacks=[view])
    >>> history.stopped                                                  # doctest: +SKIP
    'stopped after 748 steps (epoch 2 of 5, batch 122 of 938): the Stop button was pressed'

    Parameters
    ----------
    every : int >= 1
        Redraw every ``every`` optimizer steps (and after every epoch). A
        redraw takes about a tenth of a second.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root (CSS class ``cnnlab-training-view``).
    picture : ipywidgets.Image
        The curves (CSS class ``cnnlab-picture``).
    status : ipywidgets.HTML
        ``training``, ``stopping``, ``stopped``, ``done`` or ``failed``; epoch, step, time,
        the latest numbers (CSS class ``cnnlab-status``).
    stop_button : ipywidgets.Button
        Ends training after the current step; enabled while ``fit`` runs (CSS class
        ``cnnlab-stop``).
    log : ipywidgets.Output
        Where ``with view:`` sends output.
    history : cnnlab.train.History or None
        The history of the latest run, growing while it trains.
    redraws : int
        How many times the picture was drawn.
    """

    css_class = "cnnlab-training-view"

    def __init__(self, every=100):
        import ipywidgets as widgets

        self.every = check_int("TrainingView", "every", every, low=1)
        self.picture = picture()
        self.status = widgets.HTML(_("<i>waiting for fit to start</i>"),
                                   layout=widgets.Layout(flex="1 1 auto", margin="0 0 0 12px"))
        self.status.add_class("cnnlab-status")
        self.stop_button = widgets.Button(description=_("Stop"), icon="stop", button_style="danger",
                                          disabled=True, tooltip=_("end training after the current step; "
                                                                   "the history so far is kept"))
        self.stop_button.add_class("cnnlab-stop")
        self.stop_button.on_click(lambda _: self.request_stop("the Stop button was pressed"))
        _on_click_while_busy(self.stop_button,
                             lambda: self.request_stop("the Stop button was pressed"))
        self.log = widgets.Output()
        self.widget = widgets.VBox([
            widgets.HBox([self.stop_button, self.status],
                         layout=widgets.Layout(align_items="center")),
            self.picture, self.log])
        self.widget.add_class(self.css_class)
        self.history = None
        self.redraws = 0
        self._started = None
        self._training = False
        self._stop_request = None
        self._previous_sigint = None

    # -- stopping -------------------------------------------------------------------------------
    def request_stop(self, reason: str = "a stop was requested") -> None:
        """End a running ``fit`` after its current step (what the Stop button does).

        Does nothing when no training is running. Safe to call from any thread.
        """
        if self._training and self._stop_request is None:
            self._stop_request = reason

    def _check_stop(self) -> None:
        if self._stop_request is not None:
            self.status.value = _state(STOPPING, html.escape(self._stop_request))
            raise StopTraining(self._stop_request)

    def _on_sigint(self, signum, frame) -> None:
        # The kernel's interrupt: a first one, while training, stops after the step;
        # anything else (a second one, or none training) interrupts as usual.
        if self._training and self._stop_request is None:
            self._stop_request = "interrupted (the kernel's interrupt)"
            return
        raise KeyboardInterrupt

    # -- the callback ---------------------------------------------------------------------------
    def on_train_begin(self, history, model):
        self.history = history
        self._started = time.perf_counter()
        self._stop_request = None
        self._training = True
        self.stop_button.disabled = False
        self.update(history)

    def on_step_end(self, step, history, model):
        self._check_stop()
        if step % self.every == 0:
            self.update(history)

    def on_epoch_end(self, epoch, history, model):
        self.update(history)
        self._check_stop()

    def on_train_end(self, history, model):
        self._end_training()
        self.update(history, done=True)

    def _end_training(self) -> None:
        self._training = False
        self._stop_request = None
        self.stop_button.disabled = True

    # -- drawing --------------------------------------------------------------------------------
    def update(self, history, *, done=False) -> None:
        """Redraw the curves and the status line from a :class:`~cnnlab.train.History`."""
        show_figure(self.picture, plot_history(history))
        self.redraws += 1
        self.status.value = self._status(history, done)

    def _status(self, history, done) -> str:
        steps, epochs = history.steps, history.epochs
        parts = []
        if steps["step"]:
            recent = slice(-min(len(steps["loss"]), self.every), None)
            parts.append(_("step {step:,} (epoch {epoch:.2f})").format(step=steps["step"][-1],
                                                                        epoch=steps["epoch"][-1]))
            parts.append(_("last {n} steps: loss {loss:.4f}, accuracy {acc:.2%}").format(
                n=len(steps["loss"][recent]), loss=np.mean(steps["loss"][recent]),
                acc=np.mean(steps["acc"][recent])))
        if epochs["epoch"]:
            test = history.last("test_acc")
            after = (_("after epoch {epoch}: train accuracy {train:.2%}") if test is None else
                     _("after epoch {epoch}: train accuracy {train:.2%}, <b>test accuracy {test:.2%}</b>"))
            parts.append(after.format(epoch=epochs["epoch"][-1], train=history.last("train_acc"), test=test))
        if self._started is not None:
            parts.append(_("{seconds:.1f} s").format(seconds=time.perf_counter() - self._started))
        text = " · ".join(parts) if parts else _("starting")
        stopped = getattr(history, "stopped", None)
        if done and stopped:
            return _state(STOPPED, html.escape(stopped), text)
        return _state(DONE if done else TRAINING, text)

    # -- with view: ... -------------------------------------------------------------------------
    def __enter__(self):
        self.log.__enter__()
        if threading.current_thread() is threading.main_thread() \
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous_sigint = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._previous_sigint is not None:
            signal.signal(signal.SIGINT, self._previous_sigint)
            self._previous_sigint = None
        # The Output widget would swallow the exception (it shows the traceback in itself
        # and returns True): close it without the exception, which then reaches the cell.
        self.log.__exit__(None, None, None)
        if exc_type is not None and self._training:
            self._end_training()
            self.status.value = _state(FAILED, f"{html.escape(exc_type.__name__)}: "
                                               f"{html.escape(str(exc).splitlines()[0] if str(exc) else '')}")
        return False

    def __repr__(self):
        return f"<TrainingView: redraws every {self.every} steps; run the notebook to watch it>"
