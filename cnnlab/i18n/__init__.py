"""The language of the text cnnlab itself shows: checker verdicts, widget labels, figure labels.

English is the source language. The setting is, first to last:

* :func:`set_language` (``cnnlab.i18n.set_language("zh_CN")``), for this process;
* the environment variable ``CNNLAB_LANG`` (``en`` or ``zh_CN``), which the Chinese
  kernel ``Python (cnnlab, 中文)`` that ``make setup`` registers sets, and which
  ``make lab COURSE_LANG=zh_CN`` and ``make dashboard COURSE_LANG=zh_CN`` export;
* otherwise English.

Nothing else (not ``LANG``): a test run on a Chinese desktop still compares English outputs.

Messages are translated with gettext's conventions: the English text is the key
(``_("Not attempted yet")``), looked up in the PO catalogue
``cnnlab/locale/<lang>/LC_MESSAGES/cnnlab.po``; a message without a translation, or with a
fuzzy one, is shown in English. Placeholders are filled after translation
(``_("expected {what}").format(what=...)``), so a translation may move them. Text made
once, at import (a table of diagnoses, a class attribute), is marked with ``N_("...")``,
which only marks it for the catalogue, and translated with ``_()`` where it is shown.

The notebooks themselves are translated from one source by :mod:`cnnlab.i18n.notebooks`
(``make translations``).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import unicodedata
from pathlib import Path

__all__ = ["LANGUAGES", "language", "set_language", "using_language", "gettext", "_", "N_", "columns", "pad",
           "edition_notebooks"]

#: The languages of the course; the first is the source language.
LANGUAGES = ("en", "zh_CN")
ENV = "CNNLAB_LANG"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_chosen: str | None = None
_within: contextvars.ContextVar[str | None] = contextvars.ContextVar("cnnlab_language", default=None)


def _valid(lang: str, where: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"{where}: expected one of {', '.join(LANGUAGES)}, got {lang!r}")
    return lang


def set_language(lang: str | None) -> None:
    """Show cnnlab's own text in ``lang`` (``"en"`` or ``"zh_CN"``) from now on in this
    process; ``None`` goes back to the ``CNNLAB_LANG`` setting."""
    global _chosen
    _chosen = None if lang is None else _valid(lang, "set_language")


@contextlib.contextmanager
def using_language(lang: str):
    """``with using_language("en"):`` shows cnnlab's text in ``lang`` inside the block only
    (in this thread or task), whatever the setting; figures use it to fall back to English."""
    token = _within.set(_valid(lang, "using_language"))
    try:
        yield
    finally:
        _within.reset(token)


def language() -> str:
    """The language cnnlab's text is shown in now (see the module docstring)."""
    if _within.get() is not None:
        return _within.get()
    if _chosen is not None:
        return _chosen
    return _valid(os.environ.get(ENV, "") or "en", ENV)


@functools.lru_cache(maxsize=None)
def _catalogue(lang: str) -> dict[str, str]:
    """msgid -> msgstr of the package's catalogue for ``lang``, translated entries only."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "cnnlab.po"
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {m.id: m.string for m in catalog
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def gettext(message: str) -> str:
    """``message`` in the current language, or as given when it has no translation."""
    lang = language()
    if lang == LANGUAGES[0]:
        return message
    return _catalogue(lang).get(message, message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (gettext's ``gettext_noop``):
    for text made at import, translated with ``_()`` where it is shown."""
    return message


_ = gettext


def columns(text: str) -> int:
    """How many columns ``text`` takes in a fixed-width table: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``format(text, f"{align}{width}")`` counting columns, not characters, so a translated
    table stays aligned; English text comes out exactly as ``format`` makes it."""
    fill = " " * max(0, width - columns(text))
    return text + fill if align == "<" else fill + text


def edition_notebooks(folder) -> list[Path]:
    """The notebooks of one edition under ``folder``, sorted: every ``*.ipynb`` below it but
    those in hidden folders (``.ipynb_checkpoints``) and in the translations' folders
    (``notebooks/zh_CN/`` is an edition of its own)."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*.ipynb")
                  if not any(part.startswith(".") or part in LANGUAGES
                             for part in p.relative_to(folder).parent.parts))
