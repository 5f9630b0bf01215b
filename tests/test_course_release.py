"""The student edition (``python -m cnnlab.course release``): stubs, outputs, nbgrader metadata,
no answer left in, and an atomic write that never touches the teacher's folder.

Most tests release small notebooks built here with nbformat, so that they do not
depend on the real notebooks; one releases the real ``notebooks/`` folder."""

import ast
import hashlib
import json
import re
import sys
import types
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

from cnnlab.course import release as rel  # noqa: E402
from cnnlab.course.__main__ import main  # noqa: E402
from cnnlab.course.stubs import checked_ids, make_stub  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

SOLUTION = '''# NBVAL_IGNORE_OUTPUT
# Solution: the teacher's comment
import numpy as np
from cnnlab.course import check, exercise


@exercise("zz_relu_forward")
def relu_forward_mine(x,
                      slope=1e-3):  # the secret trailing comment
    """ReLU forward. x: any shape. Returns (out, cache), out shaped like x."""
    kept = np.maximum(x, slope * 0.0)
    return kept, x


zz_q01_hidden_units = 4096 * 3 + 17
for i in range(3):
    print("teacher loop", i)
check(relu_forward_mine)
'''


def code(source, tags=(), outputs=(), hidden=False, count=None):
    cell = new_code_cell(source, execution_count=count,
                         outputs=[new_output("stream", name="stdout", text=t) for t in outputs])
    if tags:
        cell.metadata["tags"] = list(tags)
    if hidden:
        cell.metadata["jupyter"] = {"source_hidden": True}
    return cell


def markdown(source, tags=()):
    cell = new_markdown_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def demo_notebook():
    """Every kind of cell of the conventions, once; the index of each is in the comment."""
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    nb.cells = [
        markdown("# Demo"),                                                           # 0
        code("import numpy as np\nprint('ready')", outputs=["ready\n"], count=1),      # 1
        code(SOLUTION, tags=["solution"], outputs=["teacher loop 0\n"], hidden=True, count=2),  # 2
        code("y, _ = relu_forward_mine(np.arange(-2.0, 3.0))\nprint(y)",
             outputs=["[0. 0. 0. 1. 2.]\n"], count=3),                                # 3
        code("check(relu_forward_mine)\ncheck('zz_q01_hidden_units', zz_q01_hidden_units)",
             tags=["check"], outputs=["relu_forward_mine: passed\n"], count=4),        # 4
        markdown("Why does a saturated sigmoid learn slowly?"),                       # 5
        markdown("*Your answer here.*", tags=["answer"]),                             # 6
        markdown("Because its derivative vanishes: the zz-model-answer.", tags=["solution"]),  # 7
        code("print('zz teacher-only secret')", tags=["teacher-only"], outputs=["x\n"]),  # 8
        code("print('after')", outputs=["after\n"], hidden=True, count=5),             # 9
    ]
    return nb


def second_notebook():
    nb = new_notebook()
    nb.cells = [
        code("def zz_helper(a, b):\n    '''Sum.'''\n    return a + b + 7 * 11\n", tags=["solution"]),
        code("check(zz_helper)", tags=["check"], outputs=["ok\n"]),
        code("total = zz_helper(1, 2)\ntotal", outputs=[]),
    ]
    return nb


@pytest.fixture
def teacher(tmp_path):
    """A teacher edition: one notebook at the top, one in extras/, and a README."""
    src = tmp_path / "teacher"
    (src / "extras").mkdir(parents=True)
    nbformat.write(demo_notebook(), src / "01_demo.ipynb")
    nbformat.write(second_notebook(), src / "extras" / "02_more.ipynb")
    (src / "README.md").write_text("# Notebooks\n", encoding="utf-8")
    return src


def read(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source_of(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def tree_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- the leak check
def solution_secrets(folder):
    """What no student may see: for each ``solution`` code cell, every statement of every
    top-level function body but the docstring, and every top-level assignment's value."""
    secrets = set()
    for path in sorted(folder.rglob("*.ipynb")):
        for cell in read(path)["cells"]:
            if cell["cell_type"] != "code" or "solution" not in cell["metadata"].get("tags", []):
                continue
            for node in ast.parse(source_of(cell)).body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
                    secrets.update(ast.unparse(stmt) for stmt in body)
                elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                    secrets.add(ast.unparse(node.value))
    return secrets


def texts(cells):
    """Every cell's source and output text, and the unparsed text of every statement and
    expression of the code cells, so that a leak reformatted still shows."""
    raw, nodes = [], set()
    for cell in cells:
        raw.append(source_of(cell))
        raw.append(json.dumps(cell.get("outputs", []), ensure_ascii=False))
        if cell["cell_type"] == "code":
            try:
                tree = ast.parse(source_of(cell))
            except SyntaxError:
                continue
            nodes.update(ast.unparse(n) for n in ast.walk(tree) if isinstance(n, (ast.stmt, ast.expr)))
    return "\n".join(raw), nodes


def leaks(source, out):
    """The solution secrets found in the release, less those that the teacher edition
    shows outside its solution cells anyway (``return h`` may be public code too)."""
    public_cells, released_cells = [], []
    for path in sorted(source.rglob("*.ipynb")):
        public_cells += [c for c in read(path)["cells"]
                         if not {"solution", "teacher-only"} & set(c["metadata"].get("tags", []))]
    for path in sorted(out.rglob("*.ipynb")):
        released_cells += read(path)["cells"]
    public_raw, public_nodes = texts(public_cells)
    raw, nodes = texts(released_cells)
    found = {s for s in solution_secrets(source) if s in raw or s in nodes}
    return sorted(s for s in found if s not in public_raw and s not in public_nodes)


# ---------------------------------------------------------------- nbgrader, schema version 3
# The cell metadata schema of nbgrader/nbgraderformat/v3.json, and the rules that
# nbgrader's MetadataValidatorV3 adds to it (v3.py), restated here.
V3_SCHEMA = {
    "type": "object",
    "properties": {
        "schema_version": {"type": "integer", "minimum": 3, "maximum": 3},
        "grade": {"type": "boolean"},
        "locked": {"type": "boolean"},
        "solution": {"type": "boolean"},
        "task": {"type": "boolean"},
        "grade_id": {"type": "string", "pattern": r"^[a-zA-Z0-9_\-]*$"},
        "points": {"type": "number", "minimum": 0},
        "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
        "cell_type": {"type": "string", "enum": ["raw", "code", "markdown"]},
    },
    "required": ["schema_version", "grade", "locked", "solution"],
    "additionalProperties": False,
}


def validate_nbgrader(nb):
    """Raise AssertionError where ``nb``'s nbgrader metadata breaks schema version 3."""
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    ids = set()
    for i, cell in enumerate(nb["cells"]):
        meta = cell["metadata"].get("nbgrader")
        assert meta is not None, f"cell {i} has no nbgrader metadata"
        where = f"cell {i} ({meta.get('grade_id')})"
        if jsonschema is not None:
            jsonschema.validate(meta, V3_SCHEMA)
        assert set(meta) <= set(V3_SCHEMA["properties"]), where
        assert set(V3_SCHEMA["required"]) <= set(meta), where
        for key in ("grade", "locked", "solution", "task"):
            assert type(meta.get(key, False)) is bool, where
        assert meta["schema_version"] == 3 and type(meta["schema_version"]) is int, where
        grade, solution, locked = meta["grade"], meta["solution"], meta["locked"]
        if grade or solution or locked:
            assert isinstance(meta.get("grade_id"), str) and meta["grade_id"], where
            assert re.fullmatch(r"[a-zA-Z0-9_\-]*", meta["grade_id"]), where
            assert meta["grade_id"] not in ids, f"duplicate grade_id: {where}"
            ids.add(meta["grade_id"])
        if grade:
            assert isinstance(meta.get("points"), (int, float)) and meta["points"] >= 0, where
        else:
            assert "points" not in meta, f"points on a cell that is not graded: {where}"
        if meta.get("task", False):
            assert cell["cell_type"] == "markdown", where
        elif cell["cell_type"] == "markdown":
            assert grade == solution, f"markdown grade and solution must go together: {where}"
    try:  # nbgrader itself, where it is installed (it is not a dependency of cnnlab)
        from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
    except ImportError:
        return
    MetadataValidatorV3().validate_nb(nbformat.from_dict(nb))


# ---------------------------------------------------------------- stubs
def test_stub_keeps_imports_decorators_signature_and_docstring():
    stub = make_stub(SOLUTION)
    assert stub.source == (
        "# NBVAL_IGNORE_OUTPUT\n"
        "import numpy as np\n"
        "from cnnlab.course import check, exercise\n"
        "\n\n"
        '@exercise("zz_relu_forward")\n'
        "def relu_forward_mine(x,\n"
        "                      slope=1e-3):\n"
        '    """ReLU forward. x: any shape. Returns (out, cache), out shaped like x."""\n'
        '    raise NotImplementedError("your turn")\n'
        "\n\n"
        "zz_q01_hidden_units = ...  # your answer")
    assert stub.exercises == ["zz_relu_forward"] and stub.questions == ["zz_q01_hidden_units"]
    assert stub.names == {"relu_forward_mine": "zz_relu_forward"}


def test_stub_runs_and_raises_your_turn(monkeypatch):
    course = types.ModuleType("cnnlab.course")  # a plain decorator: the real one looks the id up
    course.check, course.exercise = print, lambda exercise_id: (lambda fn: fn)
    monkeypatch.setitem(sys.modules, "cnnlab.course", course)
    namespace = {}
    exec(make_stub(SOLUTION).source, namespace)
    with pytest.raises(NotImplementedError, match="your turn"):
        namespace["relu_forward_mine"](1.0)
    assert namespace["zz_q01_hidden_units"] is Ellipsis


def test_stub_of_other_assignments_and_one_line_functions():
    stub = make_stub("a, b = 1, 2\nx = y = 3\nz: int = 4\nobj.attr = 5\n"
                     "def f(x, g=lambda t: t, *, k: dict = {'a': 1}) -> int: return x\n")
    assert stub.source == ("a, b = ..., ...  # your answer\nx = y = ...  # your answer\n"
                           "z: int = ...  # your answer\n\n\n"
                           "def f(x, g=lambda t: t, *, k: dict = {'a': 1}) -> int:\n"
                           '    raise NotImplementedError("your turn")')
    assert stub.questions == ["a", "b", "x", "y", "z"]


def test_stub_refuses_a_cell_that_is_not_python():
    with pytest.raises(SyntaxError):
        make_stub("%timeit f(x)\n")


def test_checked_ids_in_order_without_repeats():
    cell = "check(f)\nprint(check('q01', 3))\ncheck(g)\ncheck(f)\ncheck(obj.fn)"
    assert checked_ids(cell, {"f": "conv2d_forward"}) == [
        ("exercise", "conv2d_forward"), ("string", "q01"), ("exercise", "g")]
    assert checked_ids("%magic", {}) == []


# ---------------------------------------------------------------- one notebook
def test_release_cells_outputs_and_summary(teacher, tmp_path):
    summaries = rel.release(teacher, tmp_path / "out")
    assert summaries == [
        {"notebook": "01_demo.ipynb", "exercises": 1, "questions": 1, "open_questions": 1,
         "checks": 1, "points": 3, "dropped": 2},
        {"notebook": "extras/02_more.ipynb", "exercises": 1, "questions": 0, "open_questions": 0,
         "checks": 1, "points": 1, "dropped": 0}]
    nb = read(tmp_path / "out" / "01_demo.ipynb")
    sources = [source_of(c) for c in nb["cells"]]
    teacher_sources = [source_of(c) for c in demo_notebook().cells]
    # the model answer (7) and the teacher-only cell (8) are gone; the stub replaces 2
    stub_without_nbval = make_stub(SOLUTION).source.replace("# NBVAL_IGNORE_OUTPUT\n", "")
    assert sources == [*teacher_sources[:2], stub_without_nbval, *teacher_sources[3:7],
                       teacher_sources[9]]
    # a clean hand-out: no outputs (a stored one could answer a predict-then-run question)
    assert all(c.get("outputs") == [] for c in nb["cells"] if c["cell_type"] == "code")
    assert all(c.get("execution_count") is None for c in nb["cells"] if c["cell_type"] == "code")
    assert not any("NBVAL_" in source for source in sources)
    for cell in nb["cells"]:
        assert "source_hidden" not in cell["metadata"].get("jupyter", {})
    assert nb["metadata"] == demo_notebook().metadata
    assert summaries and rel.summary_line(summaries[0]) == (
        "01_demo.ipynb: 1 exercise stubbed, 2 questions, 2 cells dropped")


def test_release_nbgrader_metadata(teacher, tmp_path):
    rel.release(teacher, tmp_path / "out")
    nb = read(tmp_path / "out" / "01_demo.ipynb")
    meta = [c["metadata"]["nbgrader"] for c in nb["cells"]]
    assert meta[2] == {"grade": False, "solution": True, "locked": False, "schema_version": 3,
                       "grade_id": "zz_relu_forward-zz_q01_hidden_units"}
    assert meta[4] == {"grade": True, "solution": False, "locked": True, "schema_version": 3,
                       "grade_id": "check_zz_relu_forward-zz_q01_hidden_units", "points": 2}
    assert meta[6] == {"grade": True, "solution": True, "locked": False, "schema_version": 3,
                       "grade_id": "answer-01_demo-1", "points": 1}
    assert meta[0] == {"grade": False, "solution": False, "locked": True, "schema_version": 3,
                       "grade_id": "cell-01_demo-0"}
    assert [m["grade_id"] for m in meta] == [
        "cell-01_demo-0", "cell-01_demo-1", "zz_relu_forward-zz_q01_hidden_units", "cell-01_demo-3",
        "check_zz_relu_forward-zz_q01_hidden_units", "cell-01_demo-5", "answer-01_demo-1",
        "cell-01_demo-9"]


def test_released_nbgrader_metadata_validates(teacher, tmp_path):
    rel.release(teacher, tmp_path / "out")
    for path in sorted((tmp_path / "out").rglob("*.ipynb")):
        validate_nbgrader(read(path))
        nbformat.validate(nbformat.read(path, as_version=4))


def test_validator_catches_broken_metadata(teacher, tmp_path):
    rel.release(teacher, tmp_path / "out")
    nb = read(tmp_path / "out" / "01_demo.ipynb")
    broken = json.loads(json.dumps(nb))
    del broken["cells"][4]["metadata"]["nbgrader"]["points"]
    with pytest.raises(Exception):
        validate_nbgrader(broken)
    broken = json.loads(json.dumps(nb))
    broken["cells"][1]["metadata"]["nbgrader"]["grade_id"] = "cell-01_demo-0"
    with pytest.raises(AssertionError, match="duplicate"):
        validate_nbgrader(broken)


def test_check_points_come_from_the_catalogues(teacher, tmp_path, monkeypatch):
    from cnnlab.course import catalog

    def lookup_exercise(exercise_id):
        if exercise_id != "zz_relu_forward":
            raise KeyError(exercise_id)
        return types.SimpleNamespace(points=5)

    def lookup_question(question_id):
        if question_id != "zz_q01_hidden_units":
            raise KeyError(question_id)
        return types.SimpleNamespace(points=3)

    monkeypatch.setattr(catalog, "lookup", lookup_exercise)
    questions = types.ModuleType("cnnlab.course.questions")
    questions.lookup = lookup_question
    monkeypatch.setitem(sys.modules, "cnnlab.course.questions", questions)
    summaries = rel.release(teacher, tmp_path / "out")
    nb = read(tmp_path / "out" / "01_demo.ipynb")
    assert nb["cells"][4]["metadata"]["nbgrader"]["points"] == 5 + 3
    # zz_helper is in neither catalogue: one point, and the release goes on
    more = read(tmp_path / "out" / "extras" / "02_more.ipynb")
    assert more["cells"][1]["metadata"]["nbgrader"]["points"] == 1
    assert [s["points"] for s in summaries] == [5 + 3 + 1, 1]


def test_no_solution_code_reaches_the_release(teacher, tmp_path):
    rel.release(teacher, tmp_path / "out")
    secrets = solution_secrets(teacher)
    assert {"kept = np.maximum(x, slope * 0.0)", "return (kept, x)", "4096 * 3 + 17",
            "return a + b + 7 * 11"} <= secrets
    assert leaks(teacher, tmp_path / "out") == []
    released = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*.ipynb"))
    for text in ("zz-model-answer", "zz teacher-only secret", "teacher loop",
                 "the secret trailing comment", "the teacher's comment"):
        assert text not in released


def test_the_leak_check_finds_a_leak(teacher, tmp_path):
    out = tmp_path / "out"
    rel.release(teacher, out)
    nb = read(out / "01_demo.ipynb")
    nb["cells"][3]["source"] = "kept = np.maximum(x,   slope * 0.0)"  # reformatted, still the answer
    (out / "01_demo.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    assert leaks(teacher, out) == ["kept = np.maximum(x, slope * 0.0)"]


# ---------------------------------------------------------------- the folder
def test_release_keeps_the_layout_and_never_writes_the_source(teacher, tmp_path):
    before = tree_digest(teacher)
    out = tmp_path / "deep" / "student"
    rel.release(teacher, out)
    assert tree_digest(teacher) == before
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "01_demo.ipynb", "README.md", "extras/02_more.ipynb"]
    assert (out / "README.md").read_text(encoding="utf-8") == "# Notebooks\n"
    assert [p.name for p in out.parent.iterdir()] == ["student"]  # no temporary folder left


def test_release_is_deterministic(teacher, tmp_path):
    rel.release(teacher, tmp_path / "a")
    rel.release(teacher, tmp_path / "b")
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_release_refuses_a_folder_in_use_unless_forced(teacher, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    rel.release(teacher, out)  # an empty folder is fine
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="not empty; add --force"):
        rel.release(teacher, out)
    assert (out / "notes.txt").exists()
    rel.release(teacher, out, force=True)
    assert not (out / "notes.txt").exists() and (out / "01_demo.ipynb").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "teacher"]


@pytest.mark.parametrize("where", ["inside", "same", "around"])
def test_release_refuses_to_overlap_the_source(teacher, where):
    out = {"inside": teacher / "student", "same": teacher, "around": teacher.parent}[where]
    before = tree_digest(teacher)
    with pytest.raises(ValueError):
        rel.release(teacher, out, force=True)
    assert tree_digest(teacher) == before


def test_a_failed_release_leaves_out_as_it_was(teacher, tmp_path):
    out = tmp_path / "out"
    rel.release(teacher, out)
    before = tree_digest(out)
    nb = second_notebook()
    nb.cells[0].source = "%%timeit\ndef zz_helper(a, b):\n    return a + b\n"
    nbformat.write(nb, teacher / "extras" / "02_more.ipynb")
    with pytest.raises(rel.ReleaseError, match=r"02_more: cell 0 is tagged 'solution' but is not Python"):
        rel.release(teacher, out, force=True)
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "teacher"]


def test_release_needs_notebooks(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        rel.release(tmp_path / "missing", tmp_path / "out")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no notebooks"):
        rel.release(tmp_path / "empty", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the command line
def test_cli_release_prints_a_line_per_notebook(teacher, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["release", str(out), "--source", str(teacher)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "01_demo.ipynb: 1 exercise stubbed, 2 questions, 2 cells dropped",
        "extras/02_more.ipynb: 1 exercise stubbed, 0 questions, 0 cells dropped",
        f"student edition written to {out}"]


def test_cli_release_refuses_in_one_line(teacher, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "x").write_text("x", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["release", str(out), "--source", str(teacher)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err == (f"python -m cnnlab.course release: error: OUT {out} is not empty; "
                   f"add --force to replace it\n")
    assert main(["release", str(out), "--source", str(teacher), "--force"]) == 0


def test_cli_release_of_a_broken_notebook_says_which(teacher, tmp_path, capsys):
    nbformat.write(new_notebook(cells=[code("!pip install x", tags=["solution"])]), teacher / "03_bad.ipynb")
    assert main(["release", str(tmp_path / "out"), "--source", str(teacher)]) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "03_bad: cell 0" in err


@pytest.fixture
def fake_grade(monkeypatch):
    calls = []
    module = types.ModuleType("cnnlab.course.grade")
    module.main_grade = lambda args: calls.append(args) or 0
    monkeypatch.setitem(sys.modules, "cnnlab.course.grade", module)
    return calls


def test_cli_grade_passes_its_options(fake_grade):
    assert main(["grade", "subs", "--out", "grades", "--n-jobs", "3", "--seed", "7",
                 "--scheduler", "tcp://10.0.0.1:8786", "--cell-timeout", "30", "--no-progress"]) == 0
    (args,) = fake_grade
    assert (args.submissions, args.out, args.n_jobs, args.seed, args.scheduler) == (
        "subs", "grades", 3, 7, "tcp://10.0.0.1:8786")
    assert (args.cell_timeout, args.timeout, args.no_progress) == (30.0, 900.0, True)


def test_cli_grade_defaults_leave_the_seed_to_the_grader(fake_grade):
    main(["grade", "subs", "--out", "grades"])
    (first,) = fake_grade
    assert (first.n_jobs, first.scheduler, first.cell_timeout, first.timeout,
            first.submission_timeout, first.no_progress) == (2, None, 120.0, 900.0, 3600.0, False)
    assert first.seed is None  # the grader reuses the seed recorded in OUT, so a rerun resumes


@pytest.mark.parametrize("argv, named", [
    (["--n-jobs", "0"], "--n-jobs"), (["--n-jobs=two"], "--n-jobs"),
    (["--cell-timeout", "-1"], "--cell-timeout"), (["--timeout", "soon"], "--timeout"),
    (["--seed", "1.5"], "--seed"), (["--frobnicate"], "--frobnicate")])
def test_cli_grade_bad_option_is_one_line_exit_2(fake_grade, capsys, argv, named):
    with pytest.raises(SystemExit) as exc:
        main(["grade", "subs", "--out", "grades", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and named in err and "Traceback" not in err
    assert fake_grade == []


def test_cli_grade_without_the_grading_module(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "cnnlab.course.grade", None)  # as if the module were missing
    assert main(["grade", "subs", "--out", "grades"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cnnlab.course.grade" in err


# ---------------------------------------------------------------- the real notebooks
def _has_solution_cells(folder):
    return any("solution" in c["metadata"].get("tags", [])
               for p in folder.rglob("*.ipynb") for c in read(p)["cells"])


@pytest.mark.skipif(not NOTEBOOKS.is_dir() or not _has_solution_cells(NOTEBOOKS),
                    reason="no notebook in notebooks/ has a cell tagged 'solution' yet: "
                           "nothing to release")
@pytest.mark.notebooks
def test_release_of_the_real_notebooks(tmp_path):
    before = tree_digest(NOTEBOOKS)
    out = tmp_path / "student"
    summaries = rel.release(NOTEBOOKS, out)
    assert tree_digest(NOTEBOOKS) == before
    teacher = sorted(p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOKS.rglob("*.ipynb")
                     if ".ipynb_checkpoints" not in p.parts and "zh_CN" not in p.parts)
    assert [s["notebook"] for s in summaries] == teacher
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.ipynb")) == teacher
    assert (out / "README.md").exists() == (NOTEBOOKS / "README.md").exists()
    assert leaks(NOTEBOOKS, out) == []
    for name in teacher:
        nb = read(out / name)
        validate_nbgrader(nb)
        for cell in nb["cells"]:
            tags = set(cell["metadata"].get("tags", []))
            assert "teacher-only" not in tags
            assert not ("solution" in tags and cell["cell_type"] != "code")
            assert "source_hidden" not in cell["metadata"].get("jupyter", {})
            if "solution" in tags:
                assert cell["outputs"] == [] and cell["execution_count"] is None
                ast.parse(source_of(cell))
            if "check" in tags and cell["cell_type"] == "code":
                assert cell["outputs"] == []


@pytest.mark.notebooks  # releases the real Chinese notebooks
def test_the_chinese_student_edition_is_released_the_same_way(tmp_path):
    from cnnlab.course.__main__ import main

    source = NOTEBOOKS / "zh_CN"
    if not source.is_dir():
        pytest.skip("notebooks/zh_CN/ is not built: make translations")
    out = tmp_path / "handout"
    assert main(["release", "--lang", "zh_CN", str(out)]) == 0
    english = tmp_path / "english"
    assert main(["release", str(english)]) == 0
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.ipynb"))
    assert names == sorted(p.relative_to(english).as_posix() for p in english.rglob("*.ipynb"))
    assert leaks(source, out) == []
    for name in names:   # the same stubs and cells, the prose in Chinese
        zh, en = read(out / name)["cells"], read(english / name)["cells"]
        assert [c["source"] for c in zh if c["cell_type"] == "code"] == \
            [c["source"] for c in en if c["cell_type"] == "code"]
        prose = "".join("".join(c["source"]) for c in zh if c["cell_type"] == "markdown")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in prose), name
