"""Build the reveal.js decks: one ``NN_name.slides.html`` per notebook, offline.

nbconvert's slides exporter writes a page that loads reveal.js, require.js,
jQuery, MathJax and mermaid from CDNs. Here every one of them points at a copy
in ``assets/`` beside the decks, copied from ``node_modules/`` (``npm ci``
with the committed ``package-lock.json``), by relative path, so a deck opens
from disk (``file://``) on a machine with no network. Mermaid and the widget
renderer, which the notebooks do not need on a slide, are left out.

In the deck (not in the notebook) the ``# NBVAL_...`` marker lines are
dropped from the code, and a cell that draws a figure, or one too long to
read on a slide, shows its output without its code: the result is what the
lecture is about, the code stays in the notebook.
"""

from __future__ import annotations

import copy
import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat

from . import tags

# What each deck loads, copied from node_modules/ into assets/: (source, destination).
# MathJax 2 (not 3 or 4) because nbconvert's reveal template calls MathJax.Hub; of its
# 73 MB only the TeX input, the CommonHTML output and its woff fonts are needed.
THEME = "white"  # reveal.js's other themes load fonts from the network
ASSETS = (
    ("reveal.js/dist/reveal.js", "reveal.js/dist/reveal.js"),
    ("reveal.js/dist/reveal.css", "reveal.js/dist/reveal.css"),
    (f"reveal.js/dist/theme/{THEME}.css", f"reveal.js/dist/theme/{THEME}.css"),
    ("reveal.js/dist/theme/fonts/source-sans-pro", "reveal.js/dist/theme/fonts/source-sans-pro"),
    ("reveal.js/plugin/notes", "reveal.js/plugin/notes"),
    ("reveal.js/LICENSE", "reveal.js/LICENSE"),
    ("requirejs/require.js", "require.js"),
    ("jquery/dist/jquery.min.js", "jquery.min.js"),
    ("mathjax/MathJax.js", "mathjax/MathJax.js"),
    ("mathjax/LICENSE", "mathjax/LICENSE"),
    ("mathjax/config/TeX-AMS_CHTML-full.js", "mathjax/config/TeX-AMS_CHTML-full.js"),
    ("mathjax/config/Safe.js", "mathjax/config/Safe.js"),
    ("mathjax/extensions", "mathjax/extensions"),
    ("mathjax/jax/input/TeX", "mathjax/jax/input/TeX"),
    ("mathjax/jax/element", "mathjax/jax/element"),
    ("mathjax/jax/output/CommonHTML", "mathjax/jax/output/CommonHTML"),
    ("mathjax/fonts/HTML-CSS/TeX/woff", "mathjax/fonts/HTML-CSS/TeX/woff"),
)
ASSET_DIR = "assets"
DECK_SUFFIX = ".slides.html"

# Slide size in CSS pixels: 16:9, scaled by reveal.js to the screen.
WIDTH, HEIGHT = 1280, 720

_TEMPLATE_NAME = "cnnlab_deck.html.j2"
# nbconvert's reveal template (index.html.j2, found on the reveal template path),
# less what would be fetched from a CDN and is not needed, plus projector CSS.
_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_css -%}
<style type="text/css">
/* A figure fits on its slide; code and output wrap instead of running off the side. */
.reveal section img { max-height: 540px; max-width: 100%; width: auto; height: auto; }
.reveal div.jp-OutputArea-output > pre, .reveal div.highlight > pre { white-space: pre-wrap; }
.reveal .jp-RenderedHTMLCommon table { font-size: 18px; }
</style>
{%- endblock html_head_css -%}
{%- block footer_js -%}
{{ super() }}
<script>
// The same reveal.js module the deck started, as window.Reveal for the console and tests.
require(["{{ resources.reveal.url_prefix }}/dist/reveal.js"], function (Reveal) { window.Reveal = Reveal; });
</script>
{%- endblock footer_js -%}
"""



class SlidesError(Exception):
    """A deck cannot be built (missing front-end files, or a deck that would fetch from the network)."""


# ------------------------------------------------------------------ references


# Elements and attributes whose URL a browser fetches on its own (a link <a href> is
# only fetched when clicked, so prose links are not listed).
_FETCHING = {
    "script": ("src",), "link": ("href",), "img": ("src", "srcset"), "source": ("src", "srcset"),
    "video": ("src", "poster"), "audio": ("src",), "track": ("src",), "iframe": ("src",),
    "embed": ("src",), "object": ("data",), "input": ("src",), "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"), "feimage": ("href", "xlink:href"),
}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+['"]([^'"]+)['"]""", re.IGNORECASE)
_JS_COMMENT = re.compile(r"/\*.*?\*/|(?:^|(?<=[\s;{}()]))//[^\n]*", re.DOTALL)
_JS_URL_LITERAL = re.compile(r"""['"`]((?:https?:)?//[^'"`\s]+)""")
# XML namespace names are identifiers that look like addresses; nothing fetches them.
_NAMESPACE = re.compile(r"^https?://www\.w3\.org/(1998/Math/MathML|2000/svg|1999/xlink|1999/xhtml)")
_JS_TYPES = ("", "text/javascript", "application/javascript", "module")


def css_references(css: str) -> list[str]:
    """Every address a style sheet makes the browser fetch: ``url(...)`` and ``@import``."""
    return _CSS_URL.findall(css) + _CSS_IMPORT.findall(css)


class _References(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: str | None = None  # "style", "script" (JavaScript) or None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in _FETCHING.get(tag, ()):
            value = attrs.get(name)
            if value:
                urls = [part.split()[0] for part in value.split(",") if part.strip()] \
                    if name == "srcset" else [value]
                self.found.extend(urls)
        if attrs.get("style"):
            self.found.extend(css_references(attrs["style"]))
        if tag == "style":
            self._in = "style"
        elif tag == "script" and (attrs.get("type") or "").lower() in _JS_TYPES:
            self._in = "script"

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self.found.extend(css_references(data))
        elif self._in == "script":
            # An address written as a string in a script may be loaded (require([...]),
            # import ... from '...', fetch(...)); one in a comment is not.
            code = _JS_COMMENT.sub("", data)
            self.found.extend(u for u in _JS_URL_LITERAL.findall(code) if not _NAMESPACE.match(u))


def references(page: str) -> list[str]:
    """Every address an HTML page makes the browser fetch while it is shown.

    ``src``/``href`` of scripts, style sheets, images, frames and media,
    ``url()`` and ``@import`` in style sheets and style attributes, and address
    strings in inline JavaScript. Links a reader may click are not fetches.
    """
    parser = _References()
    parser.feed(page)
    parser.close()
    return parser.found


def is_network(url: str) -> bool:
    """True for an address that leaves the machine (``http:``, ``https:``, ``//host``, ``ws:``...)."""
    url = url.strip().lower()
    return url.startswith(("http:", "https:", "//", "ws:", "wss:", "ftp:"))


def network_references(page: str) -> list[str]:
    """The addresses among :func:`references` that would be fetched over the network."""
    return [url for url in references(page) if is_network(url)]


# -------------------------------------------------------------------- building


def copy_assets(node_modules: Path, out_dir: Path) -> Path:
    """Copy the front-end files of :data:`ASSETS` into ``out_dir/assets``; returns that folder."""
    node_modules, target = Path(node_modules), Path(out_dir) / ASSET_DIR
    missing = [src for src, _ in ASSETS if not (node_modules / src).exists()]
    if missing:
        raise SlidesError(f"{node_modules / missing[0]} is missing: run `npm ci` in the project "
                          f"folder (make setup does, given node and npm)")
    if target.exists():
        shutil.rmtree(target)
    for src, dst in ASSETS:
        source, dest = node_modules / src, target / dst
        dest.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest, ignore=shutil.ignore_patterns("*.map", "*.esm.js"))
        else:
            shutil.copy2(source, dest)
    for css in target.rglob("*.css"):
        remote = [u for u in css_references(css.read_text(encoding="utf-8")) if is_network(u)]
        if remote:
            raise SlidesError(f"{css} would fetch {remote[0]}; the decks must open with no network")
    return target


def _exporter():
    from jinja2 import DictLoader
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    config = Config()
    config.SlidesExporter.reveal_url_prefix = f"{ASSET_DIR}/reveal.js"
    config.SlidesExporter.reveal_theme = THEME
    config.SlidesExporter.reveal_transition = "none"
    config.SlidesExporter.reveal_scroll = True  # a slide taller than the screen scrolls
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.reveal_width = str(WIDTH)
    config.SlidesExporter.reveal_height = str(HEIGHT)
    config.HTMLExporter.require_js_url = f"{ASSET_DIR}/require.js"
    config.HTMLExporter.jquery_url = f"{ASSET_DIR}/jquery.min.js"
    config.HTMLExporter.mathjax_url = f"{ASSET_DIR}/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe"
    config.HTMLExporter.mermaid_js_url = ""
    config.HTMLExporter.widget_renderer_url = ""
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    return SlidesExporter(config=config, template_file=_TEMPLATE_NAME,
                          extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})])


def lecture_view(nb):
    """A copy of ``nb`` as the deck shows it.

    No ``# NBVAL_`` marker lines; a figure, or the output of a cell longer than
    :data:`~cnnlab.slides.tags.LONG_CODE` lines, without the code that made it;
    no cell of the course's answers (tags ``solution``, ``answer``,
    ``teacher-only``), whatever its slide type. A notebook with no slide types
    at all gets those of :mod:`cnnlab.slides.tags`.
    """
    nb = copy.deepcopy(nb)
    if not any("slideshow" in cell.metadata for cell in nb.cells):
        tags.apply(nb)   # a notebook never tagged gets the rules' slide types in its deck
    for cell in nb.cells:
        if set(cell.metadata.get("tags", [])) & tags.HIDDEN_TAGS:
            # an answer is never shown to the class, even in a cell added since tagging
            cell.metadata.setdefault("slideshow", {})["slide_type"] = tags.SKIP
        if cell.cell_type != "code":
            continue
        lines = tags.code_lines(cell.source)
        cell.source = "\n".join(lines)
        if tags.has_figure(cell) or len(lines) > tags.LONG_CODE:
            cell.metadata["transient"] = {"remove_source": True}
    return nb


def deck_name(notebook: Path) -> str:
    """``notebooks/extras/11_experiments.ipynb`` -> ``11_experiments.slides.html``."""
    return Path(notebook).stem + DECK_SUFFIX


def title(nb) -> str:
    """The notebook's first heading, without its ``#``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return "untitled"


def build_deck(notebook: Path, out_dir: Path, exporter=None) -> Path:
    """Write ``out_dir/<stem>.slides.html`` for one notebook (assets must be in place); returns it."""
    notebook, out_dir = Path(notebook), Path(out_dir)
    nb = nbformat.read(notebook, as_version=4)
    exporter = exporter or _exporter()
    body, _ = exporter.from_notebook_node(
        lecture_view(nb), resources={"metadata": {"name": notebook.stem}})
    remote = network_references(body)
    if remote:
        raise SlidesError(f"the deck of {notebook.name} would fetch {remote[0]}; "
                          f"the decks must open with no network")
    out = out_dir / deck_name(notebook)
    out.write_text(body, encoding="utf-8")
    return out


#: The index page's words: (html lang, title, how to drive a deck), per course language.
INDEX_TEXT = {
    "en": ("en", "cnnlab slides", "Space or the arrow keys advance; <kbd>Esc</kbd> shows every "
           "slide; <kbd>S</kbd> opens the speaker view."),
    "zh_CN": ("zh-CN", "cnnlab 幻灯片", "空格键或方向键翻页；<kbd>Esc</kbd> 显示全部幻灯片；"
              "<kbd>S</kbd> 打开演讲者视图。"),
}


def build(notebooks, out_dir: Path, node_modules: Path, lang: str = "en") -> list[Path]:
    """Build every deck and an ``index.html`` listing them into ``out_dir``; returns the decks.

    ``notebooks``: paths of ``.ipynb`` files, in the order the index lists them; ``lang``:
    the language of the index page (``en`` or ``zh_CN``).
    """
    notebooks = [Path(p) for p in notebooks]
    if not notebooks:
        raise SlidesError("no notebooks to build decks of")
    names = [deck_name(p) for p in notebooks]
    if len(set(names)) != len(names):
        raise SlidesError(f"two notebooks would share a deck name: {sorted(names)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    copy_assets(node_modules, out_dir)
    exporter = _exporter()
    decks = [build_deck(p, out_dir, exporter) for p in notebooks]
    titles = [title(nbformat.read(p, as_version=4)) for p in notebooks]
    items = "\n".join(f'<li><a href="{html.escape(d.name)}">{html.escape(t)}</a></li>'
                      for d, t in zip(decks, titles))
    code, heading, keys = INDEX_TEXT[lang]
    (out_dir / "index.html").write_text(
        f"<!DOCTYPE html>\n<html lang=\"{code}\"><head><meta charset=\"utf-8\"><title>{heading}</title>"
        "<style>body{font:24px/1.5 sans-serif;margin:2em auto;max-width:40em}</style></head>\n"
        f"<body><h1>{heading}</h1>\n<ol>\n{items}\n</ol>\n"
        f"<p>{keys}</p></body></html>\n", encoding="utf-8")
    return decks
