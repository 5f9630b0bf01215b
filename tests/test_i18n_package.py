"""The text the package itself shows follows the language setting, from a catalogue that
cannot fall behind the code.

* every message marked in the code (``_("...")``, ``N_("...")``) has a translation in
  ``cnnlab/locale/zh_CN/LC_MESSAGES/cnnlab.po`` that is not fuzzy and keeps the message's
  placeholders, HTML tags and formulas, and uses the glossary's terms;
* messages are literal strings, looked up when shown;
* in English the output is the same, byte for byte, as before translation existed;
* in Chinese the checker's verdict and diagnosis, a gradient-check report, a model summary,
  the grading notes, a widget's labels and a figure's labels are Chinese (the figure's in English where no font draws Chinese), and ``set_language(None)``
  goes back to English.
"""

import ast
import io
import logging
import re
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab import functional as F  # noqa: E402
from cnnlab.i18n import LANGUAGES, _, language, set_language, using_language  # noqa: E402
from cnnlab.i18n import fonts, package_catalog  # noqa: E402
from cnnlab.i18n.blocks import prose_only, protected  # noqa: E402
from cnnlab.i18n.verify import glossary  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LANG = LANGUAGES[1]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
#: Code in a message, which the glossary does not look at: calls such as f(x, stride=1),
#: identifiers with an underscore, keyword arguments.
CODE = re.compile(r"[A-Za-z_][\w.]*\([^()]*(?:\([^()]*\)[^()]*)*\)|\b\w*_\w*\b|\b\w+=\S+")


@pytest.fixture(autouse=True)
def english_afterwards():
    with mpl.rc_context():
        yield
    set_language(None)


@pytest.fixture(scope="module")
def catalogue():
    from babel.messages.pofile import read_po

    with package_catalog.po_path(LANG).open("rb") as f:
        return {m.id: m for m in read_po(f, locale=LANG) if m.id}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The messages marked in the code now, extracted afresh into a template file."""
    from babel.messages.pofile import read_po

    path = tmp_path_factory.mktemp("pot") / "cnnlab.pot"
    package_catalog.write(path, package_catalog.extract())
    with path.open("rb") as f:
        return [m.id for m in read_po(f) if m.id]


# -- the catalogue -------------------------------------------------------------------------
def test_every_message_of_the_code_is_translated(extracted, catalogue):
    assert len(extracted) > 400, "the extraction found the package's messages"
    untranslated = [m for m in extracted if m not in catalogue or not catalogue[m].string]
    fuzzy = [m for m in extracted if m in catalogue and catalogue[m].fuzzy]
    assert not untranslated and not fuzzy, (
        f"run `python -m cnnlab.i18n.package_catalog update` and translate: untranslated "
        f"{untranslated[:5]}, fuzzy {fuzzy[:5]}")
    assert package_catalog.problems(LANG) == []


def test_the_template_is_up_to_date(extracted):
    from babel.messages.pofile import read_po

    with package_catalog.TEMPLATE.open("rb") as f:
        committed = [m.id for m in read_po(f) if m.id]
    assert committed == extracted, "run `python -m cnnlab.i18n.package_catalog update`"


def test_translations_keep_placeholders_tags_formulas_and_the_glossary(catalogue):
    terms = glossary(LANG, ROOT)
    assert terms, "the glossary is read"
    problems = []
    for msgid, entry in catalogue.items():
        text = entry.string
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)):
            problems.append(f"placeholders differ: {msgid!r}")
        if protected(msgid) != protected(text):
            problems.append(f"tags or formulas differ: {msgid!r}")
        if msgid.count("\n") != text.count("\n"):
            problems.append(f"line breaks differ (figure notes are drawn line by line): {msgid!r}")
        prose = CODE.sub(" ", prose_only(msgid))
        problems += [f"glossary: {term.text!r} must be {term.translation!r} in {msgid!r}"
                     for term in terms
                     if term.english.search(prose) and term.translation.lower() not in text.lower()]
    assert not problems, "\n".join(problems)


def test_text_made_at_import_is_in_the_catalogue(catalogue):
    """Diagnoses, titles, hints and prompts are marked N_ and translated where shown."""
    from cnnlab.course.answers import QUESTIONS, is_question
    from cnnlab.course.catalog import all_exercises

    is_question("q01_linear_params")  # loads the questions
    texts = [ex.title for ex in all_exercises()]
    texts += [m.diagnosis for ex in all_exercises() for m in ex.mistakes]
    texts += [text for q in QUESTIONS.values() for text in (q.prompt, q.hint) if text]
    assert len(texts) > 200
    assert [t for t in texts if t not in catalogue] == []


# -- the code ------------------------------------------------------------------------------
def _own_names(function) -> set:
    """The names ``function`` assigns in its own scope (not in comprehensions or lambdas)."""
    names, todo = set(), list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
                             ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        todo.extend(ast.iter_child_nodes(node))
    return names


def test_messages_are_literal_strings_looked_up_where_shown():
    problems = []
    for path in sorted((ROOT / "cnnlab").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
                arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
                literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                # _() may also translate, where it is shown, a string marked N_ elsewhere
                deferred = node.func.id == "_" and isinstance(arg, (ast.Name, ast.Attribute, ast.Subscript,
                                                                     ast.Call))
                if not (literal or deferred):
                    problems.append(f"{where}:{node.lineno}: {node.func.id}() of {ast.dump(arg)[:60]}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and "_" in _own_names(node) \
                    and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                            for n in ast.walk(node)):
                problems.append(f"{where}:{node.lineno}: {node.name} assigns _, which hides the translator")
    assert not problems, "\n".join(problems)


# -- English: what it always was -------------------------------------------------------------
def _relu_backward_ignoring_the_mask(dout, cache):
    return F.InputGrads(dout.copy())


def test_english_output_is_unchanged(capsys):
    from cnnlab.course import check
    from cnnlab.widgets import TrainingView

    assert language() == "en"
    with pytest.raises(AssertionError) as caught:
        check("relu_backward", _relu_backward_ignoring_the_mask)
    assert str(caught.value) == (
        "not yet: relu_backward: dx is wrong (largest relative error 1.0e+00) (case: 4 x 5 values away "
        "from 0)\n  likely mistake: dx equals dout everywhere: ReLU is flat where x < 0, so the gradient "
        "must be zeroed there")
    check("relu_backward", None)
    assert capsys.readouterr().out == ("your turn: relu_backward: not written yet; fill it in above and run "
                                       "this cell again\n")
    check("q01_linear_params", 3, quiet=True)
    assert check("q01_linear_params", 3, quiet=True).line() == (
        "not yet: q01_linear_params: 3 is not the answer (compared to 6 significant figures)\n"
        "  likely mistake: Count the entries of w, of shape (D, M), and do not forget the bias.")
    view = TrainingView()
    assert (view.stop_button.description, view.status.value) == ("Stop", "<i>waiting for fit to start</i>")


# -- Chinese -----------------------------------------------------------------------------------
def test_a_failing_check_says_its_verdict_and_diagnosis_in_chinese(catalogue):
    from cnnlab.course import check
    from cnnlab.course.checker import NotYet

    set_language(LANG)
    with pytest.raises(NotYet) as caught:
        check("relu_backward", _relu_backward_ignoring_the_mask)
    diagnosis = catalogue["dx equals dout everywhere: ReLU is flat where x < 0, so the gradient must be "
                          "zeroed there"].string
    assert str(caught.value) == ("还不对：relu_backward：dx 不对（最大相对误差 1.0e+00）"
                                 "（用例：4 x 5 个远离 0 的值）\n  可能的错误：" + diagnosis)
    set_language(None)
    assert language() == "en" and _("not yet") == "not yet"


def test_the_language_is_looked_up_when_the_text_is_shown():
    from cnnlab.course.catalog import lookup
    from cnnlab.course.checker import run_check

    ex = lookup("relu_forward")
    english = run_check(ex, F.relu_forward).line()
    with using_language(LANG):
        chinese = run_check(ex, F.relu_forward).line()
    assert english.startswith("correct: relu_forward: matches the library on ")
    assert chinese.startswith("正确：relu_forward：在 ") and "梯度检验" not in english
    assert run_check(ex, F.relu_forward).line() == english


def test_widget_labels_are_chinese():
    from cnnlab.widgets import TrainingView
    from cnnlab.widgets.steppers import ConvStepper

    set_language(LANG)
    view = TrainingView()
    assert view.stop_button.description == "停止"
    assert view.status.value == "<i>等待 fit 开始</i>"
    stepper = ConvStepper(np.arange(9.0).reshape(3, 3), np.ones((2, 2)))
    root = stepper.widget()
    assert (stepper.play.description, stepper.slider.description) == ("播放", "步")
    assert root is not None


def _labels(fig):
    ax = fig.axes[0]
    return ax.get_xlabel(), ax.get_ylabel(), ax.get_title()


def test_figure_labels_are_chinese_where_a_font_draws_them(caplog):
    from cnnlab.viz import plot_probabilities

    set_language(LANG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about missing glyphs
        fig = plot_probabilities(np.array([0.2, 0.8]), true_label=1)
        fig.savefig(io.BytesIO(), format="png")
    if fonts.cjk_font() is None:
        assert _labels(fig) == ("class", "probability", "prediction: 1 (80%)")
    else:
        assert _labels(fig) == ("类别", "概率", "预测：1（80%）")
        assert mpl.rcParams["font.sans-serif"][0] == fonts.cjk_font()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_without_a_chinese_font_figures_are_english_and_quiet(monkeypatch, caplog):
    from cnnlab.graphs import pool_graph
    from cnnlab.widgets.steppers import PoolStepper

    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    set_language(LANG)
    before = list(mpl.rcParams["font.sans-serif"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stepper = PoolStepper(np.array([[3.0, 3.0], [1.0, 0.0]]))
        fig = pool_graph()
    assert "a tie: the first maximum in row-major order gets it all" in stepper.frames[0].text
    assert fig.axes[0].texts[0].get_text() == "one pooling window: max (top) and average (bottom)"
    assert mpl.rcParams["font.sans-serif"] == before
    assert _("max pooling") == "最大池化", "text outside figures stays Chinese"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_use_cjk_font_puts_the_font_first():
    name = fonts.cjk_font()
    if name is None:
        assert fonts.use_cjk_font() is False
        return
    mpl.rcParams["font.sans-serif"] = ["DejaVu Sans", name, "Arial"]
    mpl.rcParams["font.family"] = ["sans-serif"]
    assert fonts.use_cjk_font() is True
    assert mpl.rcParams["font.sans-serif"] == [name, "DejaVu Sans", "Arial"]
    assert list(mpl.rcParams["font.family"]) == ["sans-serif", "DejaVu Sans"]
    mpl.rcParams["font.family"] = ["serif"]
    fonts.use_cjk_font()
    assert list(mpl.rcParams["font.family"]) == ["serif"], "a font family the user chose stays"


def _gradcheck_report():
    from cnnlab.gradcheck import GradCheckReport, TensorCheck

    return GradCheckReport("Linear", (TensorCheck("x", (2, 3), 1.5e-9, 1e-6, 6),
                                      TensorCheck("W", (3, 4), 2e-3, 1e-6, 12)))


def test_gradient_check_reports_are_chinese_and_the_english_is_unchanged():
    english = str(_gradcheck_report())
    assert english == ("gradient check: Linear\n"
                       "  tensor          shape              checked  max rel error  result\n"
                       "  x               (2, 3)                   6       1.50e-09  ok\n"
                       "  W               (3, 4)                  12       2.00e-03  FAIL (threshold 1e-06)")
    with using_language(LANG):
        chinese = str(_gradcheck_report())
        with pytest.raises(AssertionError, match="梯度检验未通过"):
            _gradcheck_report().assert_passed()
    assert chinese.splitlines()[0] == "梯度检验：Linear"
    assert "最大相对误差" in chinese and "通过" in chinese and "未通过（阈值 1e-06）" in chinese
    assert str(_gradcheck_report()) == english


def test_model_summaries_are_chinese_and_the_english_is_unchanged():
    from cnnlab.models import MLP

    model = MLP((4, 3, 2), rng=np.random.default_rng(0))
    english = model.summary(print_fn=None)
    lines = english.splitlines()
    assert lines[0].startswith("layer") and lines[0].endswith("output shape        parameters")
    assert lines[2].startswith("input ") and lines[-1].startswith("total ") and lines[-1].endswith("23")
    with using_language(LANG):
        chinese = model.summary(print_fn=None)
    assert chinese.splitlines()[0].startswith("层") and "输出形状" in chinese and "参数" in chinese
    assert chinese.splitlines()[2].startswith("输入 ") and chinese.splitlines()[-1].startswith("总计 ")
    assert [ln.split()[-1] for ln in chinese.splitlines()[2:-2]] == \
        [ln.split()[-1] for ln in lines[2:-2]]
    assert model.summary(print_fn=None) == english


def test_grading_feedback_notes_are_chinese_and_the_english_is_unchanged():
    from cnnlab.course.grade_run import BadNotebook, grade_submission, read_notebook

    task = {"student": "ana", "seed": 1, "notebooks": [{"file": "05_x.ipynb", "notebook": "05"}]}
    shared = {"submission_timeout": 0, "timeout": 60, "cell_timeout": 10, "grader": "",
              "templates": {"05": [{"id": "conv", "title": "conv", "max_points": 2}]}}

    def feedback():
        entry = grade_submission(task, shared)["notebooks"][0]
        return entry["notes"][0], entry["results"][0]["message"]

    english = feedback()
    assert english == ("not run: the submission's 0 s limit was used up by the notebooks before it",
                       "not scored: time limit")
    with using_language(LANG):
        chinese = feedback()
        with pytest.raises(BadNotebook, match="不是笔记本"):
            read_notebook(b"[1, 2]")
    assert chinese == ("未运行：本次提交的 0 秒 时限已被之前的笔记本用完", "未评分：超出时限")
    assert feedback() == english
    with pytest.raises(BadNotebook, match="^not a notebook: valid JSON"):
        read_notebook(b"[1, 2]")
