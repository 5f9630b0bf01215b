"""Plotting functions return figures, draw on given axes, and check their input."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnlab.datasets import load_mnist  # noqa: E402
from cnnlab.train import History  # noqa: E402
from cnnlab.viz import percent, plot_confusion_matrix, plot_history  # noqa: E402


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
    assert [t.get_text() for t in fig.axes[0].texts][:3] == ["83", "17", "0"]   # % of the row
    rare = np.array([[997, 3], [0, 1000]])           # 0.3% is not 0, 99.7% is not 100
    assert [t.get_text() for t in plot_confusion_matrix(rare, normalize=True).axes[0].texts] == \
        ["99.7", "0.3", "0", "100"]
    fig.savefig(tmp_path / "cm.png")
    with pytest.raises(ValueError, match=r"plot_confusion_matrix: expected a square \(K, K\) matrix"):
        plot_confusion_matrix(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"plot_confusion_matrix: expected 3 class names, got 2"):
        plot_confusion_matrix(cm, class_names=["a", "b"])


# -- grids of small images: feature maps, filters, galleries, probabilities -------------------

def _mosaic(fig):
    """The one image a grid function drew, with NaN where the gaps are."""
    (image,) = fig.axes[0].images
    return np.ma.filled(image.get_array().astype(float), np.nan)


def _tile(mosaic, row, col, h, w):
    """Tile (row, col) of a mosaic of h x w tiles: the boxes between NaN rows and columns."""
    full_rows = np.flatnonzero(~np.all(np.isnan(mosaic), axis=1))
    full_cols = np.flatnonzero(~np.all(np.isnan(mosaic), axis=0))
    starts_r = [r for i, r in enumerate(full_rows) if i == 0 or full_rows[i - 1] != r - 1]
    starts_c = [c for i, c in enumerate(full_cols) if i == 0 or full_cols[i - 1] != c - 1]
    r, c = starts_r[row], starts_c[col]
    return mosaic[r:r + h, c:c + w]


def test_plot_feature_maps_draws_every_channel_on_one_scale(tmp_path):
    from cnnlab.viz import plot_feature_maps
    maps = np.random.default_rng(0).normal(size=(16, 10, 10))
    fig = plot_feature_maps(maps, title="conv2")
    assert isinstance(fig, Figure) and fig.axes[0].get_title() == "conv2"
    assert len(fig.axes) == 2, "the grid and its colour bar"
    mosaic = _mosaic(fig)
    np.testing.assert_array_equal(_tile(mosaic, 0, 0, 10, 10), maps[0])
    np.testing.assert_array_equal(_tile(mosaic, 1, 2, 10, 10), maps[10])   # 2 rows of 8
    low, high = fig.axes[0].images[0].get_clim()
    assert low == -high == -np.abs(maps).max(), "symmetric about 0: white is zero"
    assert [t.get_text() for t in fig.axes[0].texts] == [str(i) for i in range(16)]
    fig.savefig(tmp_path / "maps.png")

    assert plot_feature_maps(maps, vmax=10).axes[0].images[0].get_clim() == (-10, 10)
    each = _mosaic(plot_feature_maps(maps, scale="each", ncols=4, colorbar=False,
                                     titles=[f"ch {i}" for i in range(16)]))
    np.testing.assert_allclose(_tile(each, 3, 3, 10, 10), maps[15] / np.abs(maps[15]).max())

    ax = Figure().add_subplot()
    assert plot_feature_maps(np.zeros((6, 28, 28)), ax=ax) is ax.figure   # all zero: still drawn
    with pytest.raises(ValueError, match=r"plot_feature_maps: expected the feature maps of one "
                                         r"example, shape \(C, H, W\), got shape \(1, 6, 28, 28\) "
                                         r"\(one example: take maps\[0\]"):
        plot_feature_maps(np.zeros((1, 6, 28, 28)))
    with pytest.raises(ValueError, match="expected scale 'shared' or 'each'"):
        plot_feature_maps(maps, scale="own")
    with pytest.raises(ValueError, match="expected 16 titles"):
        plot_feature_maps(maps, titles=["a"])
    with pytest.raises(ValueError, match="expected finite values in maps"):
        plot_feature_maps(np.full((2, 3, 3), np.nan))


def test_plot_filters_puts_filters_in_columns_and_input_channels_in_rows():
    from cnnlab.viz import plot_filters
    w = np.random.default_rng(1).normal(size=(16, 6, 5, 5))
    fig = plot_filters(w)
    ax = fig.axes[0]
    mosaic = _mosaic(fig)
    np.testing.assert_array_equal(_tile(mosaic, 2, 9, 5, 5), w[9, 2])     # row c, column f
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(f) for f in range(16)]
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(c) for c in range(6)]
    assert ax.get_xlabel() == "filter (output channel)" and ax.get_ylabel() == "input channel"
    assert ax.get_title() == "16 filters of shape 6×5×5"
    assert plot_filters(w, vmax=2.5).axes[0].images[0].get_clim() == (-2.5, 2.5)
    with pytest.raises(ValueError, match="plot_filters: expected vmax to be a positive number"):
        plot_filters(w, vmax=0)
    one = plot_filters(w[:6, :1]).axes[0]
    assert one.get_ylabel() == "" and len(one.get_xticklabels()) == 6
    with pytest.raises(ValueError, match=r"plot_filters: expected convolution weights of shape "
                                         r"\(F, C, KH, KW\), e.g. model\['conv1'\].params\['w'\], got "
                                         r"shape \(6, 5, 5\)"):
        plot_filters(w[:6, 0])
    with pytest.raises(ValueError, match=r"expected w to be a numeric array of shape \(F, C, KH, KW\)"):
        plot_filters("weights")


def test_plot_probabilities_marks_the_prediction_and_the_truth():
    from matplotlib.colors import to_rgba

    from cnnlab.viz import plot_probabilities
    probs = np.array([0.05, 0.7, 0.25])
    fig = plot_probabilities(probs, class_names=["cat", "dog", "fox"], true_label=2)
    ax = fig.axes[0]
    bars = ax.patches
    np.testing.assert_allclose([b.get_height() for b in bars], probs)
    assert bars[1].get_facecolor() == to_rgba("C3"), "a wrong prediction is red"
    assert bars[2].get_edgecolor() == to_rgba("C2"), "the true class is outlined in green"
    assert ax.get_title() == "prediction: dog (70%)"
    assert [t.get_text() for t in ax.texts] == ["5%", "70%", "25%"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "fox"]
    right = plot_probabilities(probs, true_label=1).axes[0]
    assert right.patches[1].get_facecolor() == to_rgba("C2")
    assert plot_probabilities(probs).axes[0].patches[1].get_facecolor() == to_rgba("C0")
    with pytest.raises(ValueError, match=r"plot_probabilities: expected the probabilities of one "
                                         r"example, shape \(K,\), got shape \(1, 3\)"):
        plot_probabilities(probs[None])
    with pytest.raises(ValueError, match=r"expected probabilities in \[0, 1\] \(a softmax output"):
        plot_probabilities(np.array([2.0, -1.0]))
    with pytest.raises(ValueError, match=r"expected true_label to be a class index in 0\.\.2"):
        plot_probabilities(probs, true_label=3)


def test_plot_image_gallery(tmp_path):
    from cnnlab.viz import plot_image_gallery
    data = load_mnist(source="sample", n_train=10, n_test=10)
    titles = [f"#{i}\n{y}" for i, y in enumerate(data.y_test)]
    fig = plot_image_gallery(data.x_test, titles, ncols=5, title="ten digits")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == titles and ax.get_title() == "ten digits"
    np.testing.assert_array_equal(_tile(_mosaic(fig), 1, 2, 28, 28), data.x_test[7, 0])
    assert fig.axes[0].images[0].get_clim() == (0.0, 1.0)
    fig.savefig(tmp_path / "gallery.png")
    same = plot_image_gallery(data.x_test[:, 0], frame_colors=["red"] * 10)   # (N, 28, 28) too
    np.testing.assert_array_equal(_mosaic(same)[:28, :28], data.x_test[0, 0])
    empty = plot_image_gallery(data.x_test[:0])
    assert [t.get_text() for t in empty.axes[0].texts] == ["no images"]
    with pytest.raises(ValueError, match=r"plot_image_gallery: expected greyscale images of shape "
                                         r"\(N, 1, 28, 28\) or \(N, 28, 28\), got shape \(10, 3, 28, 28\)"):
        plot_image_gallery(np.zeros((10, 3, 28, 28)))
    with pytest.raises(ValueError, match=r"expected 10 titles \(one per image\), got 2"):
        plot_image_gallery(data.x_test, ["a", "b"])
    with pytest.raises(ValueError, match="got the single string"):
        plot_image_gallery(data.x_test, "0123456789")


# -- legible on a projector ------------------------------------------------------------------

def _texts(fig):
    """Every piece of text a figure draws (tick labels, labels, titles, legends, annotations)."""
    from matplotlib.text import Text
    fig.canvas.draw()                                  # ticks exist once drawn
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _every_figure(history):
    from cnnlab.viz import plot_feature_maps, plot_filters, plot_image_gallery, plot_probabilities
    rng = np.random.default_rng(0)
    data = load_mnist(source="sample", n_train=10, n_test=10)
    return {
        "history": plot_history(history),
        "confusion": plot_confusion_matrix(rng.integers(0, 50, (10, 10))),
        "confusion %": plot_confusion_matrix(rng.integers(0, 50, (10, 10)), normalize=True),
        "probabilities": plot_probabilities(np.full(10, 0.1), true_label=3),
        "probabilities (log)": plot_probabilities(np.full(10, 0.1), log=True),
        "feature maps": plot_feature_maps(rng.normal(size=(16, 10, 10)), title="conv2"),
        "filters": plot_filters(rng.normal(size=(16, 6, 5, 5))),
        "gallery": plot_image_gallery(data.x_test, [f"#{i}\n{y}" for i, y in enumerate(data.y_test)],
                                      title="ten digits"),
    }


def test_every_text_is_at_least_14_px_where_the_explorers_show_it(history):
    """Explorers show a figure at 96 CSS px per inch (1 pt = 4/3 px): 11 pt is 14.7 px."""
    for name, fig in _every_figure(history).items():
        small = {t.get_text(): t.get_fontsize() for t in _texts(fig) if t.get_fontsize() * 96 / 72 < 14}
        assert not small, f"{name}: text below 14 px at 96 px per inch: {small}"


def test_every_axis_with_ticks_is_labelled_and_epochs_are_whole(history):
    for name, fig in _every_figure(history).items():
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            if any(t.get_text() for t in ax.get_xticklabels()):
                assert ax.get_xlabel(), f"{name}: an x axis with ticks but no label"
            if any(t.get_text() for t in ax.get_yticklabels()):
                assert ax.get_ylabel(), f"{name}: a y axis with ticks but no label"
    h = History()
    for epoch in range(1, 4):
        h.log_epoch(epoch=epoch, train_loss=1.0 / epoch, train_acc=0.5)
    fig = plot_history(h)
    fig.canvas.draw()
    ticks = fig.axes[0].get_xticks()
    np.testing.assert_array_equal(ticks, np.round(ticks))


def test_colormaps_are_sequential_for_non_negative_values_and_diverging_for_signed():
    from cnnlab.viz import plot_feature_maps, plot_filters
    maps = np.random.default_rng(0).normal(size=(6, 8, 8))
    signed = plot_feature_maps(maps).axes[0].images[0]
    assert signed.get_cmap().name == "RdBu_r" and signed.get_clim()[0] == -signed.get_clim()[1]
    relu = plot_feature_maps(np.maximum(maps, 0)).axes[0].images[0]
    assert relu.get_cmap().name == "Reds" and relu.get_clim() == (0.0, np.maximum(maps, 0).max())
    assert plot_filters(maps[:, None, :5, :5]).axes[0].images[0].get_cmap().name == "RdBu_r"
    assert plot_confusion_matrix(np.eye(3)).axes[0].images[0].get_cmap().name == "Blues"


def test_percent_never_rounds_to_a_lie():
    assert [percent(p) for p in (0, 1, 0.7, 0.004, 0.9997, 0.99999, 1e-7, 0.5)] == \
        ["0%", "100%", "70%", "0.4%", "99.97%", ">99.99%", "<0.01%", "50%"]
    assert percent(0.125, sign=False) == "12"


def test_log_probabilities_tell_a_sure_answer_from_an_unsure_one():
    from cnnlab.viz import plot_probabilities
    sure = np.full(10, 1e-7)
    sure[3] = 1 - sure.sum()
    unsure = np.full(10, 2e-3)
    unsure[3] = 1 - unsure.sum()
    tops = []
    for probs in (sure, unsure):
        ax = plot_probabilities(probs, log=True).axes[0]
        assert ax.get_yscale() == "log" and "log" in ax.get_ylabel()
        tops.append(sorted(bar.get_y() + bar.get_height() for bar in ax.patches)[-2])
    assert tops[1] > 1000 * tops[0], "the runner-up's bar is visibly taller when unsure"
