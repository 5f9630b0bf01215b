"""The slide decks: the rules that tag the cells, and decks that work offline.

``make slides`` builds a reveal.js deck of every notebook (``cnnlab.slides``).
Here the same function builds them all into a temporary folder; then every
built page and style sheet is read for addresses the browser would fetch from
the network (there must be none, and every local one must exist), and one
deck is opened from ``file://`` in headless Chromium (Debian's
``/usr/bin/chromium``, driven by ``playwright``): the title slide renders,
formulas are typeset, a figure is drawn, the arrow key advances, and every
request the page makes is to a ``file:`` or ``data:`` address.

Without ``node_modules/`` (``make setup`` runs ``npm ci`` when node and npm
are installed) the deck tests are skipped, and without Chromium the browser
test is.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cnnlab.slides import build, network_references, references
from cnnlab.slides.build import ASSET_DIR, css_references, deck_name, is_network, lecture_view, title
from cnnlab.slides.tags import BUDGET, apply, slide_types

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb")
                   if not {".ipynb_checkpoints", "zh_CN"} & set(p.parts))
# the Chinese edition (make translations), whose decks make slides writes to slides/zh_CN/
ZH_NOTEBOOKS = sorted(p for p in (ROOT / "notebooks" / "zh_CN").rglob("*.ipynb")
                      if ".ipynb_checkpoints" not in p.parts)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BROWSER_DECK = "03_gradient_checking"  # formulas, a figure, several sections


def _md(text, tags=()):
    cell = new_markdown_cell(text)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _code(text, out=None, tags=(), figure=False):
    cell = new_code_cell(text)
    if out is not None:
        cell.outputs.append(new_output("stream", name="stdout", text=out))
    if figure:
        cell.outputs.append(new_output("display_data", data={"image/png": "iVBORw0KGgo=",
                                                             "text/plain": "<Figure>"}))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


# ----------------------------------------------------------------------- rules


def test_headings_start_slides_and_answers_are_skipped():
    cells = [_md("# 03 · Title\n\nIntro."), _code("import numpy as np"),
             _md("## 1. A section\n\nText."), _code("print(1)", out="1\n"),
             _md("### A part"), _md("More text."),
             _code("x = 1", tags=["solution"]), _code("check(x)", out="correct\n", tags=["check"]),
             _md("*Your answer here.*", tags=["answer"]), _md("*Model answer.* ...", tags=["solution"]),
             _code("secret()", out="42\n", tags=["teacher-only"])]
    assert slide_types(cells) == ["slide", "skip", "slide", "-", "subslide", "fragment",
                                  "skip", "-", "skip", "skip", "skip"]


def test_a_question_is_a_subslide_and_its_answer_a_fragment():
    cells = [_md("# T"), _md("**Predict, then run.** What is 2 + 2?"), _code("q = 4", tags=["solution"]),
             _code('check("q", q)', out="correct: q: 4 is right\n", tags=["check"]),
             _code("print(2 + 2)", out="4\n")]
    assert slide_types(cells) == ["slide", "subslide", "skip", "fragment", "-"]


def test_a_figure_has_a_subslide_of_its_own_with_its_short_caption():
    cells = [_md("# T"), _md("Some text."), _md("The picture:"), _code("plt.plot(x)", figure=True),
             _code("plt.imshow(a)", figure=True), _md("After them."), _md("Long. " * 400),
             _code("plt.imshow(b)", figure=True)]
    assert slide_types(cells) == ["slide", "fragment", "subslide", "-", "subslide", "subslide",
                                  "subslide", "subslide"]


def test_a_full_subslide_is_followed_by_a_new_one():
    paragraph = "word " * 20
    cells = [_md("# T")] + [_md(paragraph) for _ in range(BUDGET)]
    types = slide_types(cells)
    assert types[0] == "slide" and "subslide" in types[2:] and types.count("fragment") >= 2
    assert set(types[1:]) <= {"fragment", "subslide"}


def test_apply_is_idempotent_and_keeps_other_metadata():
    nb = new_notebook(cells=[_md("# T"), _code("print(1)", out="1\n")])
    nb.cells[1].metadata["tags"] = ["keep"]
    nb.cells[1].metadata["slideshow"] = {"slide_type": "slide", "data": {"x": 1}}
    assert apply(nb) == 2
    assert nb.cells[1].metadata == {"tags": ["keep"], "slideshow": {"slide_type": "-", "data": {"x": 1}}}
    assert apply(nb) == 0


def test_the_deck_never_shows_an_answer():
    nb = new_notebook(cells=[_md("# T"), _code("x = 1", tags=["solution"]), _md("Text.")])
    nb.cells[1].metadata["slideshow"] = {"slide_type": "-"}   # tagged wrongly, or added since
    view = lecture_view(nb)
    assert view.cells[1].metadata["slideshow"]["slide_type"] == "skip"
    assert nb.cells[1].metadata["slideshow"]["slide_type"] == "-"   # the notebook itself is unchanged


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_sections_start_slides_in_the_committed_notebooks(path):
    """Once a notebook carries slide types, each ## section starts a slide of the deck."""
    nb = nbformat.read(path, as_version=4)
    if not any("slideshow" in cell.metadata for cell in nb.cells):
        pytest.skip("no slide types yet: the deck takes them from the rules")
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            kind = cell.metadata.get("slideshow", {}).get("slide_type")
            assert kind == "slide", (f"{cell.source.splitlines()[0]!r} has slide type {kind!r}: "
                                     f"run `python -m cnnlab.slides tag {path.relative_to(ROOT)}`")


# ------------------------------------------------------------------ references


def test_references_are_what_the_browser_fetches():
    page = """<html><head>
    <script src="https://cdn.example/reveal.js"></script>
    <link rel="stylesheet" href="//cdn.example/a.css">
    <style>@import "http://fonts.example/f.css"; .x { background: url('assets/x.png') }</style>
    <script>
      // see https://example.org/docs for the options
      require(["https://unpkg.example/reveal.js"], function () {});
      var ns = "http://www.w3.org/1998/Math/MathML";
    </script>
    <script type="application/vnd.jupyter.widget-state+json">{"u": "https://example.org/data"}</script>
    </head><body>
    <a href="https://example.org/read-more">a link a reader may click</a>
    <img src="data:image/png;base64,AAAA"> <img srcset="local.png 1x, https://img.example/b.png 2x">
    <div style="background: url(https://img.example/bg.png)"></div>
    </body></html>"""
    assert network_references(page) == [
        "https://cdn.example/reveal.js", "//cdn.example/a.css", "http://fonts.example/f.css",
        "https://unpkg.example/reveal.js", "https://img.example/b.png", "https://img.example/bg.png"]
    assert "assets/x.png" in references(page) and "local.png" in references(page)


# ----------------------------------------------------------------------- decks


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    if not (NODE_MODULES / "reveal.js").is_dir():
        pytest.skip("node_modules/reveal.js is missing: `make setup` installs it with `npm ci` "
                    "(needs node and npm)")
    out = tmp_path_factory.mktemp("slides")
    return build(NOTEBOOKS, out, NODE_MODULES)


@pytest.mark.notebooks  # builds a deck of every real notebook
def test_every_notebook_has_a_deck(decks):
    assert sorted(d.name for d in decks) == sorted(deck_name(p) for p in NOTEBOOKS)
    index = (decks[0].parent / "index.html").read_text(encoding="utf-8")
    assert all(d.name in index for d in decks)


@pytest.mark.notebooks  # builds a deck of every real notebook
def test_decks_fetch_nothing_from_the_network(decks):
    out = decks[0].parent
    pages = [*decks, out / "index.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert network_references(text) == [], page.name
        for url in references(text):
            if url.startswith("data:") or url.startswith("#"):
                continue
            local = page.parent / unquote(urlsplit(url).path)
            assert local.is_file(), f"{page.name} loads {url}, which is not in the build"
    sheets = sorted((out / ASSET_DIR).rglob("*.css"))
    assert sheets, "no style sheets were copied"
    for sheet in sheets:
        for url in css_references(sheet.read_text(encoding="utf-8")):
            assert not is_network(url), f"{sheet.relative_to(out)} fetches {url}"
            if not url.startswith("data:"):
                assert (sheet.parent / unquote(urlsplit(url).path)).is_file(), f"{sheet} -> {url}"


@pytest.mark.notebooks  # builds decks of two real notebooks
def test_the_chinese_edition_has_decks_too(tmp_path):
    if not (NODE_MODULES / "reveal.js").is_dir():
        pytest.skip("node_modules/reveal.js is missing: `make setup` installs it with `npm ci`")
    if not ZH_NOTEBOOKS:
        pytest.skip("notebooks/zh_CN/ is not built: make translations")
    chosen = ZH_NOTEBOOKS[:2]   # the other decks are built the same way, as the English ones test
    decks = build(chosen, tmp_path, NODE_MODULES, lang="zh_CN")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in index and "幻灯片" in index
    for deck, notebook in zip(decks, chosen):
        text = deck.read_text(encoding="utf-8")
        assert network_references(text) == [], deck.name
        assert title(nbformat.read(notebook, as_version=4)) in index
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), f"{deck.name} holds no Chinese"


def _js_indices(indices: dict) -> str:
    """``Reveal.getIndices()`` as JSON.stringify writes it (keys h, v, f in that order)."""
    return json.dumps({k: indices[k] for k in ("h", "v", "f") if k in indices}, separators=(",", ":"))


@pytest.mark.browser
def test_a_deck_renders_and_advances_offline_in_chromium(decks):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the playwright package is missing (pip install -e '.[dev]')")
    deck = next(d for d in decks if d.name.startswith(BROWSER_DECK))
    notebook = next(p for p in NOTEBOOKS if p.stem == BROWSER_DECK)
    heading = title(nbformat.read(notebook, as_version=4))
    requests, failed, errors = [], [], []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.on("request", lambda r: requests.append(r.url))
            page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(deck.as_uri())
            page.wait_for_function("window.Reveal && Reveal.isReady()", timeout=30_000)
            present = page.locator(".reveal .slides > section.present")
            assert present.first.is_visible()
            assert heading.lower() in present.first.inner_text().lower()
            # MathJax typesets the formulas of the deck (the title slide has some).
            page.wait_for_function("document.querySelectorAll('.MathJax_CHTML').length > 0",
                                   timeout=30_000)
            # The right arrow shows the next fragment or slide; a few presses reach the next section.
            first_text = present.first.inner_text()
            before = page.evaluate("Reveal.getIndices()")
            page.keyboard.press("ArrowRight")
            page.wait_for_function(f"JSON.stringify(Reveal.getIndices()) !== '{_js_indices(before)}'",
                                   timeout=5_000)
            for _ in range(40):
                if page.evaluate("Reveal.getIndices()")["h"] > before["h"]:
                    break
                page.keyboard.press("ArrowRight")
                time.sleep(0.05)
            assert page.evaluate("Reveal.getIndices()")["h"] == before["h"] + 1
            assert present.first.inner_text() != first_text
            # A figure slide draws its picture.
            page.evaluate("""() => {
                const img = document.querySelector('.reveal .slides section img');
                const section = img.closest('section');
                Reveal.slide(...Object.values(Reveal.getIndices(section)));
            }""")
            time.sleep(0.5)
            assert page.evaluate("document.querySelector('.reveal .slides section img').naturalWidth") > 0
            assert page.evaluate("Reveal.getTotalSlides()") > 10
        finally:
            browser.close()
    assert not errors, errors
    assert not failed, failed
    remote = [u for u in requests if not u.startswith(("file:", "data:"))]
    assert not remote, f"the deck asked the network for {remote}"
