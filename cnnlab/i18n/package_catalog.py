"""The catalogue of the text the package shows: checker verdicts, widget labels, figure labels.

``python -m cnnlab.i18n.package_catalog update`` extracts every ``_("...")`` and
``N_("...")`` of the package with Babel into the template ``cnnlab/locale/cnnlab.pot``,
then merges it into each language's ``cnnlab/locale/<lang>/LC_MESSAGES/cnnlab.po``
(what ``pybabel extract -k _ -k N_`` then ``pybabel update`` do): a new message arrives
untranslated, a changed one fuzzy, and both are shown in English until a translator
fills them in. ``check`` lists those, exits 1 if there is any, and writes nothing.

The files stay the same from one run to the next unless a message changed: locations
name the file without a line number, and the template's date is kept while its
messages are the same.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from . import LANGUAGES, LOCALE_DIR

__all__ = ["PACKAGE", "TEMPLATE", "extract", "po_path", "problems", "update", "write"]

PACKAGE = LOCALE_DIR.parent
TEMPLATE = LOCALE_DIR / "cnnlab.pot"
KEYWORDS = {"_": None, "N_": None}
#: A comment before a message that starts so reaches the translator (``# TRANSLATORS: ...``).
COMMENT_TAGS = ("TRANSLATORS:",)
_WIDTH = 100
TEAM = "cnnlab contributors"
HEADER = """\
# Translations template for the text cnnlab itself shows (checker verdicts, widget and figure labels).
# Made by `python -m cnnlab.i18n.package_catalog update`: translate here, never in the code.
# This file is distributed under the same license as the cnnlab package."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnnlab")
    except PackageNotFoundError:
        return "VERSION"


def _blank(lang: str | None = None):
    """An empty catalogue (the template without ``lang``) with the project's header."""
    from babel.messages.catalog import Catalog

    return Catalog(locale=lang, project="cnnlab", version=_version(), fuzzy=False, header_comment=HEADER,
                   msgid_bugs_address=TEAM, last_translator=TEAM, language_team=TEAM, copyright_holder=TEAM)


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "cnnlab.po"


def extract():
    """A Babel ``Catalog`` of every marked message of the package, in file order."""
    from babel.messages.extract import extract_from_dir

    catalog = _blank()
    found = extract_from_dir(str(PACKAGE), [("**.py", "python")], keywords=KEYWORDS,
                             comment_tags=COMMENT_TAGS, strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(f"cnnlab/{Path(filename).as_posix()}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def _read(path: Path, lang: str | None = None):
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return read_po(f, locale=lang)


def _render(catalog) -> bytes:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=_WIDTH, include_lineno=False, ignore_obsolete=True)
    return buffer.getvalue()


def _without_dates(text: bytes) -> bytes:
    return b"".join(line for line in text.splitlines(keepends=True)
                    if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:')))


def write(path: Path, catalog) -> bool:
    """Write ``catalog`` to ``path`` unless only its dates would change; True if written."""
    text = _render(catalog)
    if path.is_file() and _without_dates(path.read_bytes()) == _without_dates(text):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    return True


def update(langs=LANGUAGES[1:]) -> list[Path]:
    """Extract the template and merge it into the catalogue of each of ``langs``;
    return the files written."""
    template = extract()
    if TEMPLATE.is_file():
        template.creation_date = _read(TEMPLATE).creation_date
    written = [TEMPLATE] if write(TEMPLATE, template) else []
    for lang in langs:
        path = po_path(lang)
        catalog = _read(path, lang) if path.is_file() else _blank(lang)
        catalog.update(template)
        if write(path, catalog):
            written.append(path)
    return written


def problems(lang: str = LANGUAGES[1]) -> list[str]:
    """Every message of the package that ``lang``'s catalogue does not translate (missing,
    empty or fuzzy), one line each; the catalogue on disk is not changed."""
    path = po_path(lang)
    entries = {m.id: m for m in _read(path, lang) if m.id} if path.is_file() else {}
    out = []
    for message in extract():
        if not message.id:
            continue
        entry = entries.get(message.id)
        where = message.locations[0][0]
        if entry is None or not entry.string:
            out.append(f"{where}: not translated: {message.id!r}")
        elif entry.fuzzy:
            out.append(f"{where}: fuzzy (the English changed): {message.id!r}")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlab.i18n.package_catalog",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["update", "check"])
    parser.add_argument("--lang", default=LANGUAGES[1], choices=LANGUAGES[1:])
    args = parser.parse_args(argv)
    if args.command == "update":
        for path in update([args.lang]):
            print(f"wrote {path.relative_to(PACKAGE.parent)}")
    found = problems(args.lang)
    for line in found:
        print(line)
    print(f"{len(found)} message(s) of the package not translated into {args.lang}")
    return 1 if found and args.command == "check" else 0


if __name__ == "__main__":
    sys.exit(main())
