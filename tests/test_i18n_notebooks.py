"""The Chinese course is built from the English one and cannot drift from it.

One source: the English notebooks; one PO catalogue per notebook
(``translations/zh_CN/...po``); ``make translations`` builds ``notebooks/zh_CN/``.
These tests fail when an English cell changed and its translation was not updated, when
a translated notebook's code or outputs differ from the English, when a translation
altered a formula, inline code or link, or broke the glossary. nbval runs the Chinese
notebooks like the English ones (``make test`` collects ``notebooks/zh_CN/``).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cnnlab.i18n import blocks
from cnnlab.i18n.notebooks import ROOT, build, read_catalog, render, sources, update
from cnnlab.i18n.verify import catalogue_problems, glossary, notebook_problems, problems

LANG = "zh_CN"
CELL = ("# 1 · Title\n\nThe gradient of $f(x) = x^2$ is `2 * x`; see [the notes](https://example.org/a).\n\n"
        "$$\n\\frac{\\partial L}{\\partial x} = 2x\n$$\n\nA loss that falls.")
TRANSLATED = {
    "# 1 · Title": "# 1 · 标题",
    "The gradient of $f(x) = x^2$ is `2 * x`; see [the notes](https://example.org/a).":
        "$f(x) = x^2$ 的梯度是 `2 * x`；见[笔记](https://example.org/a)。",
    "A loss that falls.": "一个下降的损失。",
}


def _project(tmp_path: Path, cell: str = CELL) -> Path:
    """A small project: one English notebook with a Markdown and a code cell, its
    catalogue translated, the Chinese notebook built, and the real glossary."""
    (tmp_path / "notebooks").mkdir()
    nb = {"cells": [{"cell_type": "markdown", "id": "m1", "metadata": {}, "source": cell},
                    {"cell_type": "code", "id": "c1", "metadata": {}, "execution_count": 1,
                     "source": "print(1 + 1)  # NBVAL_CHECK_OUTPUT",
                     "outputs": [{"name": "stdout", "output_type": "stream", "text": "2\n"}]}],
          "metadata": {"kernelspec": {"name": "cnnlab", "display_name": "Python (cnnlab)",
                                      "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks" / "01_x.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (tmp_path / "translations" / LANG).mkdir(parents=True)
    shutil.copy(ROOT / "translations" / LANG / "glossary.tsv", tmp_path / "translations" / LANG)
    (source,) = sources(LANG, root=tmp_path)
    update(source)
    _translate(source, TRANSLATED)
    build(source)
    return tmp_path


def _translate(source, table: dict[str, str]) -> None:
    catalog = read_catalog(source.po, LANG)
    for message in catalog:
        if message.id in table:
            message.string, message.flags = table[message.id], set()
    source.po.write_bytes(render(catalog))


def _english(root: Path) -> Path:
    return root / "notebooks" / "01_x.ipynb"


def _edit_english(root: Path, change) -> None:
    path = _english(root)
    nb = json.loads(path.read_text(encoding="utf-8"))
    change(nb["cells"])
    path.write_text(json.dumps(nb), encoding="utf-8")


def test_a_translated_project_has_no_problem(tmp_path):
    root = _project(tmp_path)
    assert problems(LANG, root) == []
    built = json.loads((root / "notebooks" / LANG / "01_x.ipynb").read_text(encoding="utf-8"))
    text = "".join(built["cells"][0]["source"])
    assert text.startswith("# 1 · 标题\n\n$f(x) = x^2$ 的梯度") and "\\frac{\\partial L}" in text
    assert built["cells"][1] == json.loads(_english(root).read_text())["cells"][1]
    assert built["metadata"]["kernelspec"]["name"] == "cnnlab-zh_CN"


def test_cutting_a_cell_into_units_loses_nothing():
    pieces = blocks.split(CELL)
    assert "".join(p for p, _ in pieces) == CELL
    assert [p for p, unit in pieces if unit] == list(TRANSLATED)   # the formula block is no unit


def test_a_changed_english_cell_makes_its_translation_fuzzy(tmp_path):
    root = _project(tmp_path)
    _edit_english(root, lambda cells: cells[0].update(source=CELL.replace("that falls", "that falls fast")))
    (source,) = sources(LANG, root=root)
    assert any("not translated" in p for p in problems(LANG, root))   # before the merge
    update(source)
    found = problems(LANG, root)
    assert any("fuzzy (the English changed)" in p and "falls fast" in p for p in found), found
    assert any("differs from what make translations builds" in p for p in found), found


def test_a_new_english_paragraph_is_reported_untranslated(tmp_path):
    root = _project(tmp_path)
    _edit_english(root, lambda cells: cells[0].update(source=CELL + "\n\nA new paragraph."))
    (source,) = sources(LANG, root=root)
    update(source)
    assert any("not translated: 'A new paragraph.'" in p for p in problems(LANG, root))


@pytest.mark.parametrize("bad, expected", [
    ("$f(x) = x^3$ 的梯度是 `2 * x`；见[笔记](https://example.org/a)。", "formula, code or link changed"),
    ("$f(x) = x^2$ 的梯度是 `2*x`；见[笔记](https://example.org/a)。", "formula, code or link changed"),
    ("$f(x) = x^2$ 的梯度是 `2 * x`；见[笔记](https://example.org/b)。", "formula, code or link changed"),
    ("$f(x) = x^2$ 的导数是 `2 * x`；见[笔记](https://example.org/a)。", "glossary: 'gradients?'"),
])
def test_an_altered_translation_is_caught(tmp_path, bad, expected):
    root = _project(tmp_path)
    (source,) = sources(LANG, root=root)
    _translate(source, {**TRANSLATED, list(TRANSLATED)[1]: bad})
    found = catalogue_problems(source, glossary(LANG, root))
    assert len(found) == 1 and expected in found[0], found


def test_a_hand_edited_or_stale_translation_is_caught(tmp_path):
    root = _project(tmp_path)
    (source,) = sources(LANG, root=root)
    path = source.output
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"][1]["outputs"][0]["text"] = "3\n"        # a checked output edited by hand
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    found = notebook_problems(source)
    assert any("code cell 2: its outputs differs from the English" in p for p in found), found
    nb["cells"][1]["outputs"][0]["text"] = "2\n"
    nb["cells"][0]["source"] = ["# 1 · 别的标题"]          # prose edited by hand
    path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    assert notebook_problems(source) == [
        f"notebooks/{LANG}/01_x.ipynb: differs from what make translations builds from "
        f"notebooks/01_x.ipynb and translations/{LANG}/notebooks/01_x.po (edited by hand, or not rebuilt)"]
    _edit_english(root, lambda cells: cells[1].update(source="print(2 + 2)  # NBVAL_CHECK_OUTPUT"))
    build(source)
    assert notebook_problems(source) == []            # rebuilt from the changed English


def test_the_committed_chinese_course_is_complete_and_up_to_date():
    """Every English notebook of the course has its Chinese twin, fully translated, as
    `make translations` builds it; run `python -m cnnlab.i18n check` for the list."""
    found = problems(LANG)
    assert found == [], f"{len(found)} problem(s), first: " + "\n".join(found[:10])
