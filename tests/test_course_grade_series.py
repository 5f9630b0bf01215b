"""Grading the real course: the teacher edition earns full marks, the released stubs earn
nothing, and a submission with catalogued mistakes earns exactly the expected partial marks
with the expected diagnoses. Three notebooks of the series keep this to about a minute."""

from __future__ import annotations

import ast
import csv
import json
import shutil
from argparse import Namespace
from pathlib import Path

import nbformat
import pytest

from cnnlab.course import answers
from cnnlab.course.catalog import by_notebook, lookup
from cnnlab.course.grade import main_grade
from cnnlab.course.release import release

pytestmark = [pytest.mark.processes, pytest.mark.notebooks]  # grades the real notebooks in Jupyter kernels

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["01_linear_and_activations.ipynb", "04_convolution_forward.ipynb", "06_pooling.ipynb"]


def _exercise_id(node) -> str | None:
    for deco in getattr(node, "decorator_list", []):
        if (isinstance(deco, ast.Call) and getattr(deco.func, "id", None) == "exercise"
                and deco.args and isinstance(deco.args[0], ast.Constant)):
            return deco.args[0].value
    return None


def with_mistakes(source: str, wrong: set[str]) -> str:
    """A solution cell whose functions in ``wrong`` compute their first catalogued mistake."""
    tree = ast.parse(source)
    for node in tree.body:
        ex_id = _exercise_id(node)
        if ex_id in wrong:
            node.args = ast.parse("def f(*args, **kwargs): pass").body[0].args
            node.body = ast.parse(
                "from cnnlab.course.catalog import lookup as _lookup\n"
                f"return _lookup({ex_id!r}).mistakes[0].wrong(*args, **kwargs)").body
    return ast.unparse(tree)


def mistaken_ids() -> set[str]:
    """Every other exercise of the three notebooks, in catalogue order."""
    ids = [ex.id for nb in ("01", "04", "06") for ex in by_notebook(nb)]
    return set(ids[::2])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("series")
    subs = root / "submissions"
    teacher, student = subs / "teacher", subs / "stubs"
    teacher.mkdir(parents=True)
    release(ROOT / "notebooks", root / "release")
    wrong = mistaken_ids()
    (subs / "mistakes").mkdir()
    student.mkdir()
    (subs / "teacher-zh_CN").mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, teacher / name)
        shutil.copy(ROOT / "notebooks" / "zh_CN" / name, subs / "teacher-zh_CN" / name)
        shutil.copy(root / "release" / name, student / name)
        nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
                cell.source = with_mistakes(cell.source, wrong)
        nbformat.write(nb, subs / "mistakes" / name)
    out = root / "grades"
    args = Namespace(submissions=str(subs), out=str(out), n_jobs=2, scheduler=None, cell_timeout=120.0,
                     timeout=600.0, submission_timeout=1800.0, seed=11, no_progress=True)
    assert main_grade(args) == 0
    rows = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    results = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    return rows, results, out, wrong


def _items(result):
    return {item["id"]: item for nb in result["notebooks"] for item in nb["results"]}


def test_the_teacher_edition_earns_full_marks(graded):
    rows, results, _, _ = graded
    row = rows["teacher"]
    assert float(row["total"]) == float(row["max_total"]) > 0
    assert {item["status"] for item in _items(results["teacher"]).values()} == {"passed"}


def test_the_chinese_edition_is_graded_the_same(graded):
    """The Chinese teacher edition (the same code, translated prose) earns the same marks."""
    rows, results, _, _ = graded
    english, chinese = dict(rows["teacher"]), dict(rows["teacher-zh_CN"])
    english.pop("student"), chinese.pop("student")
    assert chinese == english
    assert _items(results["teacher-zh_CN"]).keys() == _items(results["teacher"]).keys()


def test_the_released_stubs_earn_nothing(graded):
    rows, results, _, _ = graded
    assert float(rows["stubs"]["total"]) == 0
    assert {item["status"] for item in _items(results["stubs"]).values()} == {"not attempted"}


def test_catalogued_mistakes_earn_exactly_the_expected_marks_and_diagnoses(graded):
    rows, results, out, wrong = graded
    items = _items(results["mistakes"])
    expected_total = 0.0
    for ex_id, item in items.items():
        if ex_id in wrong:
            mistake = lookup(ex_id).mistakes[0]
            assert (item["status"], item["diagnosis"], item["points"]) == ("failed", mistake.diagnosis, 0), ex_id
            assert mistake.diagnosis in (out / "feedback" / "mistakes.md").read_text()
        else:
            assert item["status"] == "passed", ex_id
            expected_total += item["max_points"]
    assert float(rows["mistakes"]["total"]) == expected_total
    questions = [q.id for nb in ("01", "04", "06") for q in answers.by_notebook(nb)]
    assert questions and all(items[q]["status"] == "passed" for q in questions)
