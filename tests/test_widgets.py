"""The explorers of cnnlab.widgets, driven without a browser: controls changed in Python,
pictures checked as PNG bytes, the confusion gallery checked image by image."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab.datasets import load_mnist  # noqa: E402
from cnnlab.inspect import activations  # noqa: E402
from cnnlab.metrics import confusion_matrix  # noqa: E402
from cnnlab.models import MLP, LeNet5  # noqa: E402
from cnnlab.optim import Adam  # noqa: E402
from cnnlab.pretrained import load_lenet5  # noqa: E402
from cnnlab.train import fit, predict, predict_proba  # noqa: E402
from cnnlab.widgets import (  # noqa: E402
    ConfusionExplorer,
    DrawDigit,
    FeatureMapExplorer,
    FilterViewer,
    TrainingView,
    center_of_mass,
    preprocess_digit,
    rasterize_strokes,
)

PNG = b"\x89PNG"


@pytest.fixture(scope="module")
def model():
    return load_lenet5(fast=True)


@pytest.fixture(scope="module")
def untrained():
    return LeNet5(rng=np.random.default_rng(0), fast=True)


@pytest.fixture(scope="module")
def data():
    return load_mnist(source="sample", n_train=300, n_test=300)


def classes(widget):
    return set(widget._dom_classes)


def find(widget, css_class):
    """Every widget under ``widget`` (itself included) that has ``css_class``."""
    found = [widget] if css_class in getattr(widget, "_dom_classes", ()) else []
    for child in getattr(widget, "children", ()):
        found += find(child, css_class)
    return found


def check_displays_as_its_root(explorer, css_class):
    assert css_class in classes(explorer.widget)
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    assert type(explorer).__name__ in bundle["text/plain"]
    pictures = find(explorer.widget, "cnnlab-picture")
    assert len(pictures) == 1 and pictures[0].value[:4] == PNG
    return pictures[0]


# -- FeatureMapExplorer ---------------------------------------------------------------------

@pytest.mark.slow
def test_feature_map_explorer_follows_its_controls(model, untrained, data):
    explorer = FeatureMapExplorer({"epoch 0": untrained, "pretrained": model}, data.x_test,
                                  data.y_test)
    picture = check_displays_as_its_root(explorer, "cnnlab-feature-map-explorer")
    assert find(explorer.widget, "cnnlab-image-index") == [explorer.index]
    assert [v for _, v in explorer.layer.options][:6] == ["conv1", "relu1", "pool1", "conv2", "relu2",
                                                          "pool2"]
    assert list(explorer.checkpoint.options) == ["epoch 0", "pretrained"]
    seen = {picture.value}

    explorer.index.value = 5                       # the slider moves the box with it, and back
    assert explorer.index_text.value == 5 and picture.value not in seen
    seen.add(picture.value)
    explorer.index_text.value = 7
    assert explorer.index.value == 7 and picture.value not in seen
    seen.add(picture.value)
    for layer in ("pool1", "conv2", "pool2", "fc1", "fc3"):
        explorer.layer.value = layer
        assert picture.value not in seen, layer
        seen.add(picture.value)
    assert "pretrained" in explorer.caption.value, "opens on the last, most trained stage"
    explorer.checkpoint.value = "epoch 0"
    assert picture.value not in seen and "epoch 0" in explorer.caption.value
    explorer.checkpoint.value = "pretrained"

    # what it shows is the network's own computation for that image
    expected = activations(model, data.x_test[7:8])
    for name, out in explorer.outputs().items():
        np.testing.assert_array_equal(out, expected[name][0])
    np.testing.assert_allclose(explorer.probabilities(), predict_proba(model, data.x_test[7:8])[0],
                               atol=1e-5)
    assert f"label is {data.y_test[7]}" in explorer.caption.value

    # a thumbnail of the gallery (the first image of each class) picks its image
    assert len(explorer.thumbnails) == 10
    explorer.thumbnails[3].click()
    assert explorer.index.value == int(np.flatnonzero(data.y_test == 3)[0])


def test_feature_map_explorer_takes_one_model_and_checks_its_input(model, data):
    explorer = FeatureMapExplorer({"a": model, "b": model}, data.x_test, checkpoint="b", index=3)
    assert explorer.checkpoint.value == "b" and explorer.index.value == 3
    with pytest.raises(ValueError, match=r"no checkpoint 'c'; checkpoints: \['a', 'b'\]"):
        FeatureMapExplorer({"a": model, "b": model}, data.x_test, checkpoint="c")
    explorer = FeatureMapExplorer(model, data.x_test[:20], layer="pool2", index=3)
    assert list(explorer.checkpoint.options) == ["model"] and explorer.layer.value == "pool2"
    assert explorer.checkpoint.layout.display == "none", "one option: nothing to choose, not shown"
    assert len(explorer.thumbnails) == 10 and "label" not in explorer.caption.value
    with pytest.raises(ValueError, match=r"FeatureMapExplorer: no layer 'conv9'"):
        FeatureMapExplorer(model, data.x_test, data.y_test, layer="conv9")
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 1, H, W\)"):
        FeatureMapExplorer(model, data.x_test[:, 0], data.y_test)
    with pytest.raises(ValueError, match="one label per image"):
        FeatureMapExplorer(model, data.x_test, data.y_test[:5])
    with pytest.raises(TypeError, match=r"expected a model \(such as LeNet5\) or a non-empty dict"):
        FeatureMapExplorer({}, data.x_test, data.y_test)


# -- FilterViewer ---------------------------------------------------------------------------

@pytest.mark.slow
def test_filter_viewer_shows_the_chosen_layer_and_stage(model, untrained):
    viewer = FilterViewer({"epoch 0": untrained, "pretrained": model})
    picture = check_displays_as_its_root(viewer, "cnnlab-filter-viewer")
    assert list(viewer.layer.options) == ["conv1", "conv2"]
    first = picture.value
    assert viewer.weights() is model["conv1"].params["w"], "opens on the trained weights"
    viewer.layer.value = "conv2"
    second = picture.value
    assert second != first and viewer.weights().shape == (16, 6, 5, 5)
    viewer.checkpoint.value = "epoch 0"
    assert picture.value not in (first, second) and viewer.weights() is untrained["conv2"].params["w"]
    viewer.checkpoint.value = "pretrained"
    assert "(16, 6, 5, 5)" in viewer.caption.value and "2,400 weights" in viewer.caption.value
    shared = viewer.figure().axes[0].images[0].get_clim()      # one colour scale for every stage
    viewer.checkpoint.value = "epoch 0"
    assert viewer.figure().axes[0].images[0].get_clim() == shared
    with pytest.raises(ValueError, match=r"expected layer to be one of \['conv1', 'conv2'\]"):
        FilterViewer(model, layer="fc1")
    assert FilterViewer({"a": untrained, "b": model}, checkpoint="a").weights() is \
        untrained["conv1"].params["w"]
    with pytest.raises(ValueError, match=r"no checkpoint 'c'; checkpoints: \['a', 'b'\]"):
        FilterViewer({"a": untrained, "b": model}, checkpoint="c")
    assert FilterViewer(model).checkpoint.layout.display == "none"


# -- ConfusionExplorer ----------------------------------------------------------------------

def test_confusion_cells_show_exactly_their_images(model, data):
    explorer = ConfusionExplorer(model, data, max_images=5)
    gallery = check_displays_as_its_root(explorer, "cnnlab-confusion-explorer")
    assert find(explorer.widget, "cnnlab-gallery") == [gallery]
    assert len(find(explorer.widget, "cnnlab-cm-cell")) == 100
    assert find(explorer.widget, "cnnlab-cm-cell-4-9") == [explorer.cells[4, 9]]

    probs = predict_proba(model, data.x_test)
    predicted = probs.argmax(axis=1)
    cm = confusion_matrix(data.y_test, predicted, 10)
    assert [explorer.cells[t, p].description for t in range(10) for p in range(10)] == \
        [str(n) for n in cm.ravel()]
    off = cm - np.diag(np.diag(cm))
    assert explorer.selected == tuple(np.unravel_index(off.argmax(), off.shape))  # the worst confusion

    seen = {gallery.value}
    for t, p in [(7, 7), (3, 3), (0, 1)]:
        shown = explorer.select(t, p)
        members = np.flatnonzero((data.y_test == t) & (predicted == p))
        assert sorted(explorer.cell_indices.tolist()) == members.tolist()
        assert np.all(np.diff(probs[explorer.cell_indices, p]) <= 0), "most confident first"
        assert shown is explorer.shown_indices
        assert explorer.shown_indices.tolist() == explorer.cell_indices[:5].tolist()
        assert f"<b>{len(members)}</b> test images of a <b>{t}</b> predicted as <b>{p}</b>" in \
            explorer.caption.value
        if len(members):
            assert gallery.value not in seen
        seen.add(gallery.value)
    assert explorer.cells[0, 1].style.font_weight == "normal" or explorer.selected == (0, 1)

    explorer.order.value = "least confident first"
    assert np.all(np.diff(probs[explorer.cell_indices, 0]) >= 0)
    explorer.cells[2, 2].click()                   # a click is select()
    assert explorer.selected == (2, 2) and explorer.cells[2, 2].style.font_weight == "bold"
    assert [cell for cell, button in explorer.cells.items()
            if "cnnlab-cm-selected" in classes(button)] == [(2, 2)]

    explorer.normalize.value = True
    shares = np.array([[float(explorer.cells[t, p].description.lstrip("<>")) for p in range(10)]
                       for t in range(10)])
    np.testing.assert_allclose(shares.sum(axis=1), 100, atol=6)
    np.testing.assert_allclose(np.diag(shares), 100 * np.diag(cm) / cm.sum(axis=1), atol=0.5)
    assert all((shares[t, p] > 0) == (cm[t, p] > 0) for t in range(10) for p in range(10)), \
        "a cell with images never reads 0"

    notes = []
    explorer.summary.observe(lambda change: notes.append(change["new"]), names="value")
    explorer.split.value = "train"                 # computed when first asked for, with a busy note
    assert "computing the network's predictions for the 300 train images" in notes[0]
    assert "train: " in notes[-1] and not explorer.split.disabled
    assert "cnnlab-busy" not in classes(explorer.widget)
    train_predicted = predict(model, data.x_train)
    assert explorer.cell_indices.tolist() == \
        sorted(np.flatnonzero((data.y_train == 2) & (train_predicted == 2)).tolist(),
               key=lambda i: explorer.predictions()[1][i])
    assert "train: " in explorer.summary.value
    with pytest.raises(ValueError, match=r"select: expected true to be a class index in 0\.\.9"):
        explorer.select(10, 0)


def test_confusion_explorer_from_predictions(model, data):
    probs = predict_proba(model, data.x_test)
    explorer = ConfusionExplorer(probs, data)
    assert [value for _, value in explorer.split.options] == ["test"]
    t, p = explorer.selected
    np.testing.assert_array_equal(np.sort(explorer.cell_indices),
                                  np.flatnonzero((data.y_test == t) & (probs.argmax(1) == p)))
    classes_only = ConfusionExplorer({"test": probs.argmax(1)}, data)   # no probabilities: index order
    classes_only.select(5, 5)
    np.testing.assert_array_equal(classes_only.cell_indices,
                                  np.flatnonzero((data.y_test == 5) & (probs.argmax(1) == 5)))
    with pytest.raises(ValueError, match="predictions for split 'val', which data lacks"):
        ConfusionExplorer({"val": probs}, data)
    with pytest.raises(ValueError, match=r"probabilities \(N, K\) or predicted classes \(N,\)"):
        ConfusionExplorer(probs.astype(str), data)


# -- DrawDigit and its preprocessing --------------------------------------------------------

def test_preprocess_digit_puts_a_drawing_where_mnist_puts_digits():
    drawing = np.zeros((280, 200))
    drawing[40:100, 150:180] = 1.0                  # a tall bar, 60 x 30, far from the centre
    digit = preprocess_digit(drawing)
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.min() >= 0 and digit.max() == 1
    rows, cols = np.flatnonzero(digit.any(axis=1)), np.flatnonzero(digit.any(axis=0))
    assert rows[-1] - rows[0] + 1 == 20, "the longer side fills the 20-pixel box"
    assert cols[-1] - cols[0] + 1 == 10, "the aspect ratio is kept"
    cy, cx = center_of_mass(digit)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    assert not preprocess_digit(np.zeros((50, 50))).any()
    np.testing.assert_array_equal(preprocess_digit((drawing * 255).astype(np.uint8)), digit)
    with pytest.raises(ValueError, match=r"preprocess_digit: expected a greyscale image of shape \(H, W\)"):
        preprocess_digit(np.zeros((1, 28, 28)))


def test_preprocess_digit_undoes_an_enlarged_mnist_digit(model, data):
    """MNIST digits went through these steps: an enlarged copy comes back almost unchanged."""
    x = data.x_test[:100, 0]
    again = np.stack([preprocess_digit(np.kron(digit, np.ones((10, 10)))) for digit in x])
    assert np.abs(again - x).mean() < 0.02
    assert np.mean(predict(model, again[:, None]) == predict(model, x[:, None])) >= 0.97
    centres = np.array([center_of_mass(digit) for digit in x])
    np.testing.assert_allclose(centres.mean(axis=0), [14, 14], atol=0.15)


def test_rasterize_strokes_draws_a_round_pen():
    ink = rasterize_strokes([[(10, 10), (50, 10)], [(30, 30)]], (40, 60), width=6)
    assert ink.shape == (40, 60) and ink.max() == 1 and ink.min() == 0
    assert ink[7:13, 10:50].min() == 1 and ink[14, 30] == 0 and ink[10, 56] == 0   # 6 pixels wide
    assert ink[30, 30] == 1 and ink[30, 35] == 0                                   # the dot
    assert not rasterize_strokes([], (5, 5), 3).any()
    with pytest.raises(ValueError, match="positive pen width"):
        rasterize_strokes([[(1, 1)]], (5, 5), 0)


@pytest.mark.slow
def test_draw_digit_reads_drawings_and_set_images(model, data):
    draw = DrawDigit(model)
    picture = check_displays_as_its_root(draw, "cnnlab-draw-digit")
    assert find(draw.widget, "cnnlab-canvas") == [draw.canvas]
    assert draw.probs is None and "Nothing drawn" in draw.caption.value
    empty = picture.value

    draw.set_image(data.x_test[4])                # as it is: the network's own probabilities
    np.testing.assert_allclose(draw.probs, predict_proba(model, data.x_test[4:5])[0], atol=1e-5)
    np.testing.assert_array_equal(draw.image, data.x_test[4, 0])
    assert picture.value != empty and f"<b style='font-size:26px'>{data.y_test[4]}</b>" in draw.caption.value
    shown = picture.value
    draw.layer.value = "conv2"
    assert picture.value != shown

    draw.draw_stroke([(140, 40), (140, 240)])     # drawn over the example: a new drawing
    assert draw.probs.argmax() == 1 and not draw._base.any(), "the example is not kept under it"
    best, second = np.argsort(-draw.probs)[:2]
    assert f"next: {second} (" in draw.caption.value
    draw.clear()
    assert draw.probs is None and not draw.image.any()
    draw.draw_stroke([(140, 40), (140, 240)])     # a vertical line: a one
    assert draw.probs.argmax() == 1
    rows = np.flatnonzero(draw.image.any(axis=1))
    assert rows[-1] - rows[0] + 1 == 20
    np.testing.assert_allclose(center_of_mass(draw.image), (14, 14), atol=0.5)

    # the canvas's own mouse events, as ipycanvas delivers them from the browser
    draw.clear()
    for event, x, y in [("mouse_down", 80, 60), ("mouse_move", 200, 60), ("mouse_move", 110, 240),
                        ("mouse_up", 110, 240)]:
        draw.canvas._handle_frontend_event(None, {"event": event, "x": x, "y": y}, [])
    assert draw.strokes == [[(80.0, 60.0), (200.0, 60.0), (110.0, 240.0)]]
    assert draw.probs.argmax() == 7
    with pytest.raises(ValueError, match=r"set_image: expected a digit of shape \(28, 28\)"):
        draw.set_image(np.zeros((14, 14)))


# -- legible on a projector --------------------------------------------------------------------

@pytest.mark.slow
def test_every_picture_is_shown_at_its_drawn_size_and_twice_as_sharp(model, untrained, data):
    """96 CSS px per inch of figure (so 11 pt text is 14.7 px), the PNG at 2 image px per CSS px,
    no wider than 1008 px: unscaled in JupyterLab and Voila at 1280 pixels wide."""
    import io

    import matplotlib.image
    explorers = [FeatureMapExplorer({"a": untrained, "b": model}, data.x_test, data.y_test),
                 FilterViewer({"a": untrained, "b": model}, layer="conv2"),
                 ConfusionExplorer(model, data), DrawDigit(model)]
    view = TrainingView(every=5)
    net = MLP((784, 16, 10), rng=np.random.default_rng(0))
    with view:
        fit(net, data, optimizer=Adam(net), num_epochs=1, rng=np.random.default_rng(0),
            progress=False, callbacks=[view])
    for explorer in [*explorers, view]:
        (picture,) = find(explorer.widget, "cnnlab-picture")
        width = int(picture.layout.width.removesuffix("px"))
        png = matplotlib.image.imread(io.BytesIO(picture.value))
        assert png.shape[1] == 2 * width, type(explorer).__name__
        assert 300 <= width <= 1008 and picture.layout.max_width == "100%"
