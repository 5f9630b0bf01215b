"""Checks that a translated course cannot drift from its English source.

:func:`problems` lists, one line each, everything that makes a translation wrong:

* a prose unit of the English source with no translation, or a fuzzy one (the English
  changed since it was translated);
* a translation that altered, dropped or added a formula, a piece of inline code, a link
  target or an HTML tag (:func:`cnnlab.i18n.blocks.protected`);
* a translation that does not use the glossary's term for an English term its unit uses
  (``translations/<lang>/glossary.tsv``);
* a translated notebook that is not what ``make translations`` builds (edited by hand, or
  not rebuilt after the English or the catalogue changed), or whose code cells, outputs or
  cell order differ from the English.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .blocks import prose_only, protected
from .notebooks import Source, built, read_catalog, sources, template

__all__ = ["GlossaryTerm", "catalogue_problems", "check", "glossary", "notebook_problems", "problems"]


@dataclass(frozen=True)
class GlossaryTerm:
    english: re.Pattern
    translation: str
    text: str


def glossary(lang: str, root: Path) -> list[GlossaryTerm]:
    """The glossary of ``lang``: English term (a regular expression, matched as whole
    words, any case) -> the term every translation of it must use."""
    path = root / "translations" / lang / "glossary.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and not r[0].startswith("#")]
    # a term may be broken over two lines of the source: any run of white space matches a space
    return [GlossaryTerm(re.compile(rf"\b(?:{_spaces(en)})\b", re.IGNORECASE), zh, en) for en, zh, *_ in rows[1:]]


def _spaces(pattern: str) -> str:
    return pattern.replace("[- ]", r"[-\s]").replace(" ", r"\s+")


def _short(text: str, n: int = 60) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def _emphasis(text: str) -> tuple[int, int]:
    """How many bold and italic spans ``text`` renders to (as nbconvert renders Markdown)."""
    import mistune

    html = mistune.html(text)
    return html.count("<strong>"), html.count("<em>")


def _unit_problems(english: str, translation: str, terms: list[GlossaryTerm]) -> list[str]:
    out = []
    want, got = protected(english), protected(translation)
    if want != got:
        lost = sorted((want - got).elements())
        added = sorted((got - want).elements())
        detail = "; ".join(filter(None, [lost and f"altered or dropped {lost[:3]}",
                                         added and f"added {added[:3]}"]))
        out.append(f"formula, code or link changed ({detail})")
    if _emphasis(english) != _emphasis(translation):
        out.append("bold or italic does not render as in the English (CommonMark: put Chinese "
                   "punctuation outside the markers, **问题**：)")
    prose = prose_only(english)
    for term in terms:
        if term.english.search(prose) and term.translation.lower() not in translation.lower():
            out.append(f"glossary: {term.text!r} must be translated {term.translation!r}")
    return out


def catalogue_problems(source: Source, terms: list[GlossaryTerm]) -> list[str]:
    """What is wrong with ``source``'s catalogue: missing, fuzzy or altered translations."""
    catalog = read_catalog(source.po, source.lang)
    entries = {m.id: m for m in catalog if m.id}
    units = [m.id for m in template(source) if m.id]   # in order, each once
    where = source.po.relative_to(source.root)
    out = []
    for unit in units:
        entry = entries.get(unit)
        if entry is None or not entry.string:
            out.append(f"{where}: not translated: {_short(unit)!r}")
        elif entry.fuzzy:
            out.append(f"{where}: fuzzy (the English changed): {_short(unit)!r}")
        else:
            out += [f"{where}: {p}: {_short(unit)!r}"
                    for p in _unit_problems(unit, entry.string, terms)]
    return out


def notebook_problems(source: Source) -> list[str]:
    """What is wrong with ``source``'s translated file on disk: absent, not what the build
    makes, or code cells and outputs that differ from the English."""
    where = source.output.relative_to(source.root)
    if not source.output.is_file():
        return [f"{where}: missing: run make translations"]
    on_disk = source.output.read_bytes()
    out = []
    if source.path.suffix == ".ipynb":
        out += _code_problems(source, json.loads(on_disk))
    expected, _ = built(source)
    if on_disk != expected:
        out.append(f"{where}: differs from what make translations builds from "
                   f"{source.rel} and {source.po.relative_to(source.root)} "
                   f"(edited by hand, or not rebuilt)")
    return out


def _code_problems(source: Source, translated: dict) -> list[str]:
    english = json.loads(source.path.read_text(encoding="utf-8"))["cells"]
    cells = translated["cells"]
    where = source.output.relative_to(source.root)
    if [c["cell_type"] for c in cells] != [c["cell_type"] for c in english]:
        return [f"{where}: its cells are not the English notebook's cells in the same order"]
    out = []
    for i, (en, tr) in enumerate(zip(english, cells), 1):
        if en["cell_type"] != "code":
            continue
        for key in ("source", "outputs", "metadata", "id"):
            if en.get(key) != tr.get(key):
                out.append(f"{where}: code cell {i}: its {key} differs from the English")
    return out


def check(chosen: list[Source]) -> list[str]:
    """Every problem of the translations of ``chosen`` sources, one line each."""
    found: list[str] = []
    for source in chosen:
        found += catalogue_problems(source, glossary(source.lang, source.root))
        found += notebook_problems(source)
    return found


def problems(lang: str, root: Path | None = None) -> list[str]:
    """Every problem of the ``lang`` translation of the course, one line each."""
    return check(sources(lang) if root is None else sources(lang, root=root))
