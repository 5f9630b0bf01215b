"""The committed notebooks read as a textbook: executed, with outputs, and no errors.

nbval (``make test`` runs ``pytest --nbval-lax``) re-runs every notebook and
compares the outputs of the cells marked ``# NBVAL_CHECK_OUTPUT`` with the
committed ones, so stale numbers fail there. These tests check what nbval does
not: that what is committed is complete and clean.
"""

import json
import re
from pathlib import Path

import pytest

from cnnlab.i18n import LANGUAGES

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.rglob("*.ipynb"))
NOTEBOOKS = [p for p in NOTEBOOKS if ".ipynb_checkpoints" not in p.parts]


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _ids(paths):
    return [str(p.relative_to(NOTEBOOK_DIR)) for p in paths]


def test_the_series_is_there():
    if not NOTEBOOKS:
        pytest.skip("no notebooks committed yet")
    names = [p.name for p in NOTEBOOK_DIR.glob("*.ipynb")]
    assert all(name[:2].isdigit() and name[2] == "_" for name in names), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_executed_without_errors(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    # a translation (notebooks/zh_CN/) runs on the kernel that shows cnnlab's text in its language
    lang = next((part for part in path.relative_to(NOTEBOOK_DIR).parts if part in LANGUAGES), None)
    assert notebook["metadata"]["kernelspec"]["name"] == ("cnnlab" if lang is None else f"cnnlab-{lang}")
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code" and _source(c).strip()]
    assert code_cells, "no code"
    for index, cell in enumerate(code_cells):
        assert cell.get("execution_count") is not None, f"code cell {index} was not executed"
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", (
                f"code cell {index} holds an error: {output.get('ename')}: {output.get('evalue')}")
            text = "".join(output.get("text", "")) if output["output_type"] == "stream" else ""
            assert "Traceback (most recent call last)" not in text, f"code cell {index} printed a traceback"
    counts = [c["execution_count"] for c in code_cells]
    assert counts == sorted(counts) and len(set(counts)) == len(counts), \
        "cells were not executed top to bottom in one run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_key_numbers_are_checked_by_nbval(path):
    checked = [c for c in _cells(path) if c["cell_type"] == "code" and "# NBVAL_CHECK_OUTPUT" in _source(c)]
    assert checked, "no cell is marked # NBVAL_CHECK_OUTPUT"
    for cell in checked:
        assert cell.get("outputs"), f"a checked cell has no committed output:\n{_source(cell)[:200]}"
        assert not any(o.get("name") == "stderr" for o in cell["outputs"]), "a checked cell writes to stderr"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebooks_import_the_package_without_path_hacks(path):
    for cell in _cells(path):
        source = _source(cell)
        assert "sys.path" not in source and "google.colab" not in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_solutions_are_collapsed(path):
    """A reader tries the exercise first: every '# Solution' cell opens with its source hidden."""
    for cell in _cells(path):
        if cell["cell_type"] == "code" and "# Solution" in _source(cell):
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True, \
                f"a solution cell is not collapsed:\n{_source(cell)[:120]}"


def test_notebook_10_stores_its_learning_curves_as_an_image():
    """The live view's curves live in widget state, which GitHub and the slide decks do not show;
    a figure of the same history after the training cell does."""
    cells = _cells(NOTEBOOK_DIR / "10_train_and_explore_lenet5.ipynb")
    training = next(i for i, c in enumerate(cells) if "TrainingView(" in _source(c) and "fit(" in _source(c))
    figure = cells[training + 1]
    assert "plot_history(history" in _source(figure) and "# NBVAL_IGNORE_OUTPUT" in _source(figure)
    assert any("image/png" in output.get("data", {}) for output in figure["outputs"])


# ------------------------------------------------------------------ no MNIST pictures

# The data rule: never commit the MNIST files or arrays, images or samples taken from them (weights
# trained on them are fine). A cell that draws digits, or anything computed from a digit image
# (its feature maps, its pooled or shifted versions, a gallery of mistakes), is tagged
# `mnist-figure` and keeps, in place of its picture, one line of text/plain saying so; the
# picture appears when the cell is run.
MNIST_FIGURE_TAG = "mnist-figure"
# Functions and explorers of the package that draw digits or their feature maps: a cell calling
# one stores no picture. (cnnlab.viz: plot_image_gallery, plot_feature_maps; cnnlab.experiments:
# plot_feature_maps_over_training; cnnlab.widgets: FeatureMapExplorer, ConfusionExplorer.)
DIGIT_DRAWING_HELPERS = ("plot_image_gallery", "plot_feature_maps", "plot_feature_maps_over_training",
                         "FeatureMapExplorer", "ConfusionExplorer")
# Explorers whose saved widget state would hold pictures of digits (their ipywidgets.Image values).
DIGIT_EXPLORERS = ("FeatureMapExplorer", "ConfusionExplorer")
# The steppers of notebooks 04-07 animate small made-up arrays: their widget state may keep its frames.
STEPPER_NOTEBOOKS = ("04_", "05_", "06_", "07_")
WIDGET_PICTURE_LIMIT = 1024   # characters of base64 picture data; a 56×56 digit thumbnail takes 430-1500
PICTURE_PREFIXES = ("iVBORw0KGgo", "/9j/", "R0lGOD")   # PNG, JPEG and GIF, base64-encoded

DASHBOARD_DIR = NOTEBOOK_DIR.parent / "dashboard"
ALL_NOTEBOOKS = NOTEBOOKS + sorted(p for p in DASHBOARD_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
ALL_IDS = [str(p.relative_to(NOTEBOOK_DIR.parent)) for p in ALL_NOTEBOOKS]


def _stored_pictures(cell):
    """The MIME types of the pictures among a cell's committed outputs."""
    found = []
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        found += [key for key in ("image/png", "image/jpeg", "image/svg+xml") if key in data]
        html = data.get("text/html", "")
        html = "".join(html) if isinstance(html, list) else html
        if "<img" in html or "base64" in html:
            found.append("text/html")
    return found


def _calls(source, names):
    return [name for name in names if re.search(rf"\b{name}\s*\(", source)]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _widget_pictures(widgets):
    """Lengths of the base64 pictures (ImageModel buffers, data: URLs, outputs) in widget state."""
    sizes = []
    for text in _strings(widgets):
        if text.startswith(PICTURE_PREFIXES):
            sizes.append(len(text))
        sizes += [len(m.group(1)) for m in re.finditer(r"data:image/[\w.+-]+;base64,([A-Za-z0-9+/=]+)", text)]
    return sizes


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ALL_IDS)
def test_cells_tagged_mnist_figure_store_no_picture(path):
    for index, cell in enumerate(_cells(path)):
        if MNIST_FIGURE_TAG in cell.get("metadata", {}).get("tags", []):
            assert not _stored_pictures(cell), (
                f"cell {index} is tagged {MNIST_FIGURE_TAG} but stores {_stored_pictures(cell)}: "
                f"pictures of MNIST digits are not committed\n{_source(cell)[:200]}")


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ALL_IDS)
def test_cells_drawing_digits_store_no_picture(path):
    for index, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        helpers = _calls(_source(cell), DIGIT_DRAWING_HELPERS)
        if helpers:
            assert not _stored_pictures(cell), (
                f"cell {index} calls {', '.join(helpers)} and stores {_stored_pictures(cell)}: replace the "
                f"picture by a line of text and tag the cell {MNIST_FIGURE_TAG}\n{_source(cell)[:200]}")


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=ALL_IDS)
def test_widget_state_holds_no_pictures_of_digits(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    sizes = _widget_pictures(notebook.get("metadata", {}).get("widgets", {}))
    explorers = sorted({name for cell in notebook["cells"] if cell["cell_type"] == "code"
                        for name in _calls(_source(cell), DIGIT_EXPLORERS)})
    if explorers:
        assert not sizes, (f"the saved widget state holds {len(sizes)} pictures ({sum(sizes):,} characters), "
                           f"among them the digits of {', '.join(explorers)}: remove metadata.widgets")
    if not path.name.startswith(STEPPER_NOTEBOOKS):
        assert sum(sizes) <= WIDGET_PICTURE_LIMIT, (
            f"the saved widget state holds {len(sizes)} pictures ({sum(sizes):,} characters of base64): "
            f"pictures of MNIST digits are not committed; remove metadata.widgets")
