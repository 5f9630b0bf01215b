"""The course in other languages, built from the English notebooks and gettext catalogues.

One source: the English notebooks (and ``notebooks/README.md``). For each of them and each
language there is one PO catalogue, ``translations/<lang>/<path>.po`` (for example
``translations/zh_CN/notebooks/04_convolution_forward.po``), whose entries are the prose
units of its Markdown cells (:mod:`cnnlab.i18n.blocks`), so translators work in Poedit,
Weblate or any PO editor. :func:`build` writes the translated notebook
(``notebooks/zh_CN/04_convolution_forward.ipynb``): the English notebook with each unit
replaced by its translation; code cells, their outputs and cell ids copied unchanged.

The workflow is gettext's (``make translations`` runs both steps):

1. :func:`update` re-reads the English sources and merges each catalogue with them: a new
   unit gets an empty entry, a changed one keeps its old translation marked *fuzzy* (with
   the previous English beside it), a removed one is dropped.
2. A translator fills the empty and fuzzy entries (and clears the fuzzy flag).
3. :func:`build` writes the translated notebooks. Nobody edits them by hand:
   :mod:`cnnlab.i18n.verify` fails when one differs from what :func:`build` makes.
"""

from __future__ import annotations

import copy
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import LANGUAGES
from .blocks import split

__all__ = ["Source", "sources", "template", "read_catalog", "update", "translate_notebook",
           "build", "render"]

ROOT = Path(__file__).resolve().parents[2]
#: The English sources, as globs relative to the project root.
SOURCE_GLOBS = ("notebooks/*.ipynb", "notebooks/extras/*.ipynb", "notebooks/README.md",
                "dashboard/*.ipynb")
# a fixed date in the headers, so that a catalogue changes only when its entries do
_FIXED_DATE = datetime(2026, 12, 4, tzinfo=timezone.utc)
KERNELS = {"zh_CN": ("cnnlab-zh_CN", "Python (cnnlab, 中文)")}


@dataclass(frozen=True)
class Source:
    """One English source and where its catalogue and translation live for ``lang``."""

    path: Path          # the English notebook or Markdown file
    lang: str
    root: Path = ROOT

    @property
    def rel(self) -> Path:
        return self.path.relative_to(self.root)

    @property
    def po(self) -> Path:
        return self.root / "translations" / self.lang / self.rel.with_suffix(".po")

    @property
    def output(self) -> Path:
        """``notebooks/extras/11_x.ipynb`` -> ``notebooks/zh_CN/extras/11_x.ipynb``."""
        top, *rest = self.rel.parts
        return self.root / top / self.lang / Path(*rest)


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES[1:]:
        raise ValueError(f"lang: expected one of {', '.join(LANGUAGES[1:])}, got {lang!r}")
    return lang


def sources(lang: str, root: Path = ROOT) -> list[Source]:
    """Every English source of the course, sorted, for translation into ``lang``."""
    _check_lang(lang)
    paths = sorted({p for pattern in SOURCE_GLOBS for p in root.glob(pattern)})
    return [Source(p, lang, root) for p in paths]


def _markdown_texts(path: Path) -> list[tuple[int, str]]:
    """``(cell number, Markdown text)`` of a notebook's Markdown cells, or ``(1, text)``
    for a Markdown file."""
    if path.suffix == ".md":
        return [(1, path.read_text(encoding="utf-8"))]
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(i, "".join(cell["source"])) for i, cell in enumerate(nb["cells"], 1)
            if cell["cell_type"] == "markdown"]


def _new_catalog(lang: str | None):
    from babel.messages.catalog import Catalog

    return Catalog(locale=lang, project="cnnlab", version="1", fuzzy=False,
                   header_comment="# Translations of the cnnlab course. Edit msgstr only; "
                                  "`make translations` merges and builds.\n#",
                   creation_date=_FIXED_DATE, revision_date=_FIXED_DATE)


def template(source: Source):
    """The catalogue template of ``source``: one empty entry per prose unit."""
    catalog = _new_catalog(None)
    for number, text in _markdown_texts(source.path):
        for piece, is_unit in split(text):
            if is_unit:
                catalog.add(piece, locations=[(source.rel.as_posix(), number)])
    return catalog


def read_catalog(path: Path, lang: str):
    """The PO catalogue at ``path`` (an empty one when there is none yet)."""
    from babel.messages.pofile import read_po

    if not path.is_file():
        return _new_catalog(lang)
    with path.open("rb") as f:
        try:
            return read_po(f, locale=lang, abort_invalid=True)
        except Exception as e:  # babel raises its own PoFileError, and ValueError
            raise ValueError(f"{path}: not a valid PO catalogue ({e})") from None


def render(catalog) -> bytes:
    """``catalog`` as PO text, with the previous English of fuzzy entries kept."""
    from babel.messages.pofile import write_po

    buf = io.BytesIO()
    write_po(buf, catalog, width=0, include_previous=True, ignore_obsolete=True,
             include_lineno=True)
    return buf.getvalue()


def update(source: Source) -> bool:
    """Merge ``source``'s catalogue with its English text; True if the file changed."""
    from .._io import atomic_write

    catalog = read_catalog(source.po, source.lang)
    catalog.update(template(source), update_creation_date=False)
    data = render(catalog)
    if source.po.is_file() and source.po.read_bytes() == data:
        return False
    source.po.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(source.po, data)
    return True


def translations(catalog) -> dict[str, str]:
    """English unit -> its translation, for the translated, not fuzzy, entries."""
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def _translate_text(text: str, table: dict[str, str], missing: list[str]) -> str:
    out = []
    for piece, is_unit in split(text):
        if is_unit and piece not in table:
            missing.append(piece)
        out.append(table.get(piece, piece) if is_unit else piece)
    return "".join(out)


def translate_notebook(nb: dict, table: dict[str, str], lang: str,
                       missing: list[str]) -> dict:
    """A copy of notebook ``nb`` with its Markdown prose translated by ``table``; code
    cells and outputs unchanged. Units with no translation stay English and are
    appended to ``missing``."""
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] == "markdown":
            text = _translate_text("".join(cell["source"]), table, missing)
            cell["source"] = text.splitlines(keepends=True)
    name, display = KERNELS[lang]
    out["metadata"]["kernelspec"] = {"name": name, "display_name": display,
                                     "language": "python"}
    return out


def built(source: Source) -> tuple[bytes, list[str]]:
    """The translated file of ``source`` as bytes, and the units left in English."""
    table = translations(read_catalog(source.po, source.lang))
    missing: list[str] = []
    if source.path.suffix == ".md":
        text = _translate_text(source.path.read_text(encoding="utf-8"), table, missing)
        return text.encode("utf-8"), missing
    nb = json.loads(source.path.read_text(encoding="utf-8"))
    out = translate_notebook(nb, table, source.lang, missing)
    # nbformat's own layout (indent 1, sorted keys, trailing newline), so diffs stay small
    text = json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return text.encode("utf-8"), missing


def build(source: Source) -> tuple[bool, int]:
    """Write ``source``'s translation; (whether the file changed, units left in English)."""
    from .._io import atomic_write

    data, missing = built(source)
    if source.output.is_file() and source.output.read_bytes() == data:
        return False, len(missing)
    source.output.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(source.output, data)
    return True, len(missing)
