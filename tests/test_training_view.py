"""TrainingView without a browser: live curves, the Stop button, the kernel's interrupt
(a real SIGINT, handled as the kernel would deliver it), and errors that reach the cell."""

import matplotlib

matplotlib.use("Agg")

import signal  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab.datasets import load_mnist  # noqa: E402
from cnnlab.models import MLP  # noqa: E402
from cnnlab.optim import Adam  # noqa: E402
from cnnlab.train import Callback, NonFiniteLossError, fit  # noqa: E402
from cnnlab.widgets import TrainingView  # noqa: E402

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def data():
    return load_mnist(source="sample", n_train=300, n_test=300)


def find(widget, css_class):
    """Every widget under ``widget`` (itself included) that has ``css_class``."""
    found = [widget] if css_class in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += find(child, css_class)
    return found


@pytest.mark.slow
def test_training_view_redraws_during_fit(data):
    model = MLP((784, 16, 10), rng=np.random.default_rng(0))
    view = TrainingView(every=2)
    pictures = []
    view.picture.observe(lambda change: pictures.append(change["new"]), names="value")
    with view:
        history = fit(model, data, optimizer=Adam(model), num_epochs=2, batch_size=64,
                      rng=np.random.default_rng(0), progress=False, callbacks=[view])
    steps = history.num_steps                     # 5 per epoch
    assert view.redraws == 1 + steps // 2 + 2 + 1                    # begin, steps, epochs, end
    assert len(pictures) >= view.redraws - 2 and all(p[:4] == PNG for p in pictures)
    assert "cnnlab-training-view" in view.widget._dom_classes
    bundle = view._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == view.widget.model_id
    (picture,) = find(view.widget, "cnnlab-picture")
    assert picture is view.picture and picture.value == pictures[-1]
    assert "done" in view.status.value and f"test accuracy {history.last('test_acc'):.2%}" in \
        view.status.value
    with pytest.raises(ValueError, match="TrainingView: expected every"):
        TrainingView(every=0)


class AtStep(Callback):
    """Do something at given steps of a run, as a user or the kernel would."""

    def __init__(self, actions):
        self.actions = actions

    def on_step_end(self, step, history, model):
        for _ in range(self.actions.get(step, (None, 0))[1]):
            self.actions[step][0]()


def _train(data, view, *, num_epochs=5, callbacks=()):
    model = MLP((784, 16, 10), rng=np.random.default_rng(0))
    return fit(model, data, optimizer=Adam(model), num_epochs=num_epochs, batch_size=64,
               rng=np.random.default_rng(0), progress=False, callbacks=[*callbacks, view])


@pytest.fixture
def default_sigint():
    """The kernel runs a cell with Python's own SIGINT handler; so does this test."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.slow
def test_training_view_stop_button_ends_training_after_the_step(data):
    view = TrainingView(every=100)
    assert view.stop_button.disabled and find(view.widget, "cnnlab-stop") == [view.stop_button]
    with view:
        history = _train(data, view, callbacks=[AtStep({7: (view.stop_button.click, 1)})])
    assert history.num_steps == 7 and history.num_epochs == 1, "the step clicked in ends, then it stops"
    assert history.stopped == ("stopped after 7 steps (epoch 2 of 5, batch 2 of 5): "
                               "the Stop button was pressed")
    assert view.history is history and view.stop_button.disabled
    assert view.status.value.startswith("<b>stopped</b> · stopped after 7 steps (epoch 2 of 5")
    view.stop_button.click()                     # after training: nothing to stop, nothing kept
    with view:
        again = _train(data, view, num_epochs=2)
    assert again.stopped is None and again.num_epochs == 2 and "done" in view.status.value


def test_a_click_is_seen_while_the_cell_is_busy():
    """ipykernel 7 asks a comm's _reply_subshell_for in its shell-channel thread, while the
    main thread runs the cell: the Stop button listens there too."""
    from types import SimpleNamespace

    from cnnlab.widgets.training import _on_click_while_busy
    asked, clicked = [], []
    comm = SimpleNamespace(_reply_subshell_for=lambda data, default: asked.append(data) or default)
    assert _on_click_while_busy(SimpleNamespace(comm=comm), lambda: clicked.append(1))
    assert comm._reply_subshell_for({"method": "update", "state": {}}, "main") == "main"
    assert comm._reply_subshell_for({"method": "custom", "content": {"event": "click"}}, None) is None
    assert clicked == [1] and len(asked) == 2, "the answer and every question are unchanged"
    assert not _on_click_while_busy(SimpleNamespace(comm=None), lambda: None)


def test_training_view_interrupt_ends_training_after_the_step(data, default_sigint):
    view = TrainingView(every=100)
    interrupt = (lambda: signal.raise_signal(signal.SIGINT), 1)
    with view:
        history = _train(data, view, callbacks=[AtStep({3: interrupt})])
        assert signal.getsignal(signal.SIGINT) == view._on_sigint
        with pytest.raises(KeyboardInterrupt):     # not training: an interrupt interrupts
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert history.num_steps == 3 and history.stopped.startswith("stopped after 3 steps (epoch 1 of 5")
    assert "interrupted" in history.stopped and "<b>stopped</b>" in view.status.value

    # a second interrupt does not wait for the step: it raises, and the cell sees it
    with pytest.raises(KeyboardInterrupt), view:
        _train(data, view, callbacks=[AtStep({2: (interrupt[0], 2)})])
    assert view.status.value.startswith("<b>failed</b> · KeyboardInterrupt")
    assert view.stop_button.disabled and signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_training_view_lets_errors_reach_the_cell(data):
    import dataclasses
    view = TrainingView(every=100)
    broken = dataclasses.replace(data, x_train=np.full_like(data.x_train, np.nan))
    with pytest.raises(NonFiniteLossError, match="at step 1"), view:
        _train(broken, view)
    assert view.status.value.startswith("<b>failed</b> · NonFiniteLossError: fit: the training loss")
