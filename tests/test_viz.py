"""Plotting functions return figures, draw on given axes, and check their input."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnlab.datasets import load_mnist  # noqa: E402
from cnnlab.models import MLP  # noqa: E402
from cnnlab.optim import Adam  # noqa: E402
from cnnlab.train import History, LivePlot, fit  # noqa: E402
from cnnlab.viz import plot_confusion_matrix, plot_history  # noqa: E402


@pytest.fixture
def history():
    h = History()
    for step in range(1, 7):
        h.log_step(step=step, epoch=step / 3, loss=2.0 / step, acc=0.1 * step, lr=0.01)
    h.log_epoch(epoch=1, train_loss=1.0, train_acc=0.5, val_loss=1.1, val_acc=0.45, test_acc=0.4,
                test_loss=1.2)
    h.log_epoch(epoch=2, train_loss=0.5, train_acc=0.8, val_loss=0.7, val_acc=0.7, test_acc=0.69,
                test_loss=0.75)
    return h


def test_plot_history_makes_one_panel_per_metric(history, tmp_path):
    fig = plot_history(history)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["train (per step)", "train", "val", "test"]
    assert acc_ax.get_ylabel() == "accuracy"
    fig.savefig(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").stat().st_size > 1000
    assert len(plot_history(history.to_dict(), steps=False).axes[0].get_lines()) == 3


def test_plot_history_on_given_axes(history):
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_history(history, ax=ax, metrics=("acc",)) is fig
    with pytest.raises(ValueError, match=r"plot_history: expected 2 Axes \(one per metric"):
        plot_history(history, ax=ax)
    with pytest.raises(ValueError, match=r"plot_history: unknown metrics \['accuracy'\]"):
        plot_history(history, metrics=("accuracy",))
    with pytest.raises(TypeError, match=r"plot_history: expected a cnnlab.train.History"):
        plot_history([1, 2, 3])


def test_plot_confusion_matrix(tmp_path):
    cm = np.array([[5, 1, 0], [0, 3, 2], [0, 0, 0]])
    fig = plot_confusion_matrix(cm, class_names=["zero", "one", "two"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["5", "1", "0", "0", "3", "2", "0", "0", "0"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    fig = plot_confusion_matrix(cm, normalize=True)
    assert [t.get_text() for t in fig.axes[0].texts][:3] == ["0.83", "0.17", "0.00"]
    fig.savefig(tmp_path / "cm.png")
    with pytest.raises(ValueError, match=r"plot_confusion_matrix: expected a square \(K, K\) matrix"):
        plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"plot_confusion_matrix: expected 3 class names, got 2"):
        plot_confusion_matrix(cm, class_names=["a", "b"])


def test_live_plot_callback_redraws_after_each_epoch(tmp_path):
    data = load_mnist(source="sample", n_train=128, n_test=64)
    model = MLP((784, 16, 10), rng=np.random.default_rng(0))
    seen = []

    class Watch(LivePlot):
        def on_epoch_end(self, epoch, history, model):
            super().on_epoch_end(epoch, history, model)
            seen.append((epoch, (tmp_path / "live.png").stat().st_mtime_ns))

    fit(model, data, optimizer=Adam(model), num_epochs=2, batch_size=64, rng=np.random.default_rng(0),
        progress=False, callbacks=[Watch(path=tmp_path / "live.png")])
    assert [epoch for epoch, _ in seen] == [1, 2]
    assert (tmp_path / "live.png").read_bytes()[:4] == b"\x89PNG"
