"""Markdown cut into the units a translator translates, and the parts a translation must keep.

A unit is a block of a Markdown cell: lines between blank lines, a fenced code block or a
display formula (``$$ ... $$``) kept whole. Blocks with no prose (a formula, a picture, a
fence of code) are not units: they are copied as they are. Joining the pieces that
:func:`split` returns gives the cell back exactly, separators included, so a translated cell
differs from the English one only inside its units.

What a translation must keep is :func:`protected`: the formulas, the inline code, the link
and picture targets and the HTML tags of a unit, compared as multisets (a translation may
reorder them, never alter, drop or add one).
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["split", "is_prose", "protected", "prose_only"]

_BLANK = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)*")
_FENCE = re.compile(r"^\s*(```|~~~)")

_INLINE_CODE = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.S)
_DISPLAY_MATH = re.compile(r"\$\$.+?\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(?:\\.|[^$\\])+?(?<!\\)\$", re.S)
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_BARE_URL = re.compile(r"(?<![(\"'])\bhttps?://[^\s)>\]]+")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_WORD = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")


def _chunks(text: str) -> list[str]:
    """``text`` as alternating blocks and blank-line separators (blocks at even indices);
    a fenced code block or display formula holding blank lines stays one block."""
    pieces = _BLANK.split(text)
    seps = _BLANK.findall(text)
    blocks, separators = [pieces[0]], []
    for sep, piece in zip(seps, pieces[1:]):
        if _open(blocks[-1]):
            blocks[-1] += sep + piece
        else:
            separators.append(sep)
            blocks.append(piece)
    out = [blocks[0]]
    for sep, block in zip(separators, blocks[1:]):
        out += [sep, block]
    return out


def _open(block: str) -> bool:
    """Whether ``block`` ends inside a code fence or a display formula."""
    fences = sum(1 for line in block.splitlines() if _FENCE.match(line))
    outside_code = _INLINE_CODE.sub("", block)
    return fences % 2 == 1 or outside_code.count("$$") % 2 == 1


def prose_only(block: str) -> str:
    """``block`` without its code, formulas, link targets, addresses and tags."""
    if _FENCE.match(block) and _FENCE.match(block.rstrip().splitlines()[-1]):
        return ""
    text = _INLINE_CODE.sub(" ", block)
    text = _DISPLAY_MATH.sub(" ", text)
    text = _INLINE_MATH.sub(" ", text)
    text = _LINK_TARGET.sub("]", text)
    text = _BARE_URL.sub(" ", text)
    return _HTML_TAG.sub(" ", text)


def is_prose(block: str) -> bool:
    """Whether ``block`` holds words to translate (a unit), not only formulas or code."""
    return bool(_WORD.search(prose_only(block)))


def split(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into ``(piece, is_unit)`` pairs whose pieces join back to ``text``.

    Units are the blocks to translate; the other pieces (separators, formula-only
    or code-only blocks) are copied unchanged.
    """
    return [(piece, i % 2 == 0 and is_prose(piece)) for i, piece in enumerate(_chunks(text))]


def protected(block: str) -> Counter:
    """The parts of ``block`` a translation must keep, counted: inline code, formulas,
    link targets, bare addresses and HTML tags."""
    found: list[str] = []
    code = _INLINE_CODE.findall(block)
    found += [f"code:{body.strip()}" for _, body in code]
    rest = _INLINE_CODE.sub(" ", block)
    found += [f"math:{m}" for m in _DISPLAY_MATH.findall(rest)]
    rest = _DISPLAY_MATH.sub(" ", rest)
    found += [f"math:{m}" for m in _INLINE_MATH.findall(rest)]
    rest = _INLINE_MATH.sub(" ", rest)
    found += [f"link:{m}" for m in _LINK_TARGET.findall(rest)]
    rest = _LINK_TARGET.sub("]", rest)
    found += [f"url:{m}" for m in _BARE_URL.findall(rest)]
    found += [f"tag:{m}" for m in _HTML_TAG.findall(rest)]
    return Counter(found)
