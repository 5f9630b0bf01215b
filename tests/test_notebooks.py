"""The committed notebooks read as a textbook: executed, with outputs, and no errors.

nbval (``make test`` runs ``pytest --nbval-lax``) re-runs every notebook and
compares the outputs of the cells marked ``# NBVAL_CHECK_OUTPUT`` with the
committed ones, so stale numbers fail there. These tests check what nbval does
not: that what is committed is complete and clean.
"""

import json
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
