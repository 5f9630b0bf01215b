"""The slide type of every cell, by rule, so a notebook reads as a lecture.

Jupyter keeps a cell's slide type in ``cell.metadata.slideshow.slide_type``
(``slide``, ``subslide``, ``fragment``, ``-`` for "continue the current
one", ``skip``, ``notes``). :func:`slide_types` chooses them from the cells
alone, so they can be applied again whenever the notebooks change
(``python -m cnnlab.slides tag notebooks/*.ipynb``):

* the title (``#``) and every ``##`` section start a slide, ``###`` a sub-slide;
* cells of the course's answers (tags ``solution``, ``answer``,
  ``teacher-only``) are skipped: the lecture deck is shown to the class;
* a code cell with no output (imports, helpers, set-up for a later cell) is
  skipped: what it prepares is shown by the cell that prints or draws it;
* a figure gets a sub-slide of its own, with its caption when the cell before
  it is a short paragraph;
* a "Predict, then run." or "Think about it." question starts a sub-slide, and
  what answers it (the check, the experiment) comes in as a fragment;
* every other paragraph comes in as a fragment, the code after it with it,
  until the sub-slide is full; then the next one starts.

"Full" is an estimate of text rows on a 1280x720 slide (:data:`BUDGET`). The
deck hides the code of figure cells and of cells longer than
:data:`LONG_CODE` lines (``cnnlab.slides.build.lecture_view``), so those count
by their output alone.
"""

from __future__ import annotations

import math

SLIDE, SUBSLIDE, FRAGMENT, CONTINUE, SKIP = "slide", "subslide", "fragment", "-", "skip"
HIDDEN_TAGS = frozenset({"solution", "answer", "teacher-only"})
QUESTION_OPENERS = ("**Predict, then run.**", "**Think about it.**")
LONG_CODE = 25     # lines: longer code is not shown on a slide, only what it prints or draws
BUDGET = 20        # text rows that fit on a 1280x720 slide at the deck's font size
CAPTION_ROWS = 5   # a paragraph this short before a figure shares the figure's sub-slide
TEXT_WIDTH, CODE_WIDTH = 110, 100  # characters per row, prose and code
MAX_OUTPUT_ROWS = 12  # a longer output scrolls on its slide; it still counts as this many

_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def _rows(text: str, width: int) -> float:
    """Rows ``text`` takes at ``width`` characters per row (a blank line half a row)."""
    return sum(math.ceil(len(line) / width) if line.strip() else 0.5 for line in text.splitlines())


def code_lines(source: str) -> list[str]:
    """The lines of a code cell's source, less nbval's ``# NBVAL_...`` markers."""
    return [line for line in source.splitlines() if not line.lstrip().startswith("# NBVAL_")]


def has_figure(cell) -> bool:
    """True if a code cell's committed outputs include an image."""
    return cell.cell_type == "code" and any(
        key in out.get("data", {}) for out in cell.get("outputs", []) for key in _IMAGE_TYPES)


def is_quiet(cell) -> bool:
    """True for a code cell with no output: imports, helpers, set-up for a later cell."""
    return cell.cell_type == "code" and not cell.get("outputs")


def _output_rows(cell) -> float:
    rows = 0.0
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            rows += _rows(out.get("text", ""), CODE_WIDTH)
        elif "text/html" in out.get("data", {}):
            rows += max(1, out["data"]["text/html"].count("<tr"))
        elif "text/plain" in out.get("data", {}):
            rows += _rows(out["data"]["text/plain"], CODE_WIDTH)
    return min(rows, MAX_OUTPUT_ROWS)


def rows(cell) -> float:
    """Estimated rows a cell takes on a slide (code counts 1.2 per line: taller font box)."""
    if cell.cell_type == "markdown":
        return _rows(cell.source, TEXT_WIDTH) + 1
    lines = code_lines(cell.source)
    code = 0 if len(lines) > LONG_CODE else 1.2 * len(lines) + 1
    return code + _output_rows(cell)


def _heading_level(cell) -> int:
    if cell.cell_type != "markdown":
        return 0
    first = cell.source.lstrip("\n").split("\n", 1)[0]
    hashes = len(first) - len(first.lstrip("#"))
    return hashes if 0 < hashes <= 6 and first[hashes:hashes + 1] == " " else 0


def _hidden(cell) -> bool:
    tags = set(cell.metadata.get("tags", []))
    return bool(tags & HIDDEN_TAGS) or is_quiet(cell) or not cell.source.strip()


def slide_types(cells) -> list[str]:
    """The slide type of each cell of ``cells`` (nbformat cells), by the rules above."""
    hidden = [_hidden(cell) for cell in cells]
    shown = [i for i, h in enumerate(hidden) if not h]
    following = {a: b for a, b in zip(shown, shown[1:])}
    types = [SKIP] * len(cells)
    used = float(BUDGET)   # rows used on the current sub-slide; full before the first one
    reveal_next = False    # the next shown cell answers a question
    captions = set()       # paragraphs that share the sub-slide of the figure after them
    for position, i in enumerate(shown):
        cell = cells[i]
        level, need = _heading_level(cell), rows(cell)
        nxt = following.get(i)
        if position == 0 or level in (1, 2):
            types[i], used, reveal_next = SLIDE, need, False
        elif level == 3:
            types[i], used, reveal_next = SUBSLIDE, need, False
        elif has_figure(cell):
            # Nothing else on a figure's sub-slide, except the caption just before it.
            caption_before = position > 0 and shown[position - 1] in captions
            types[i] = CONTINUE if caption_before else SUBSLIDE
            used, reveal_next = float(BUDGET), False
        elif cell.cell_type == "markdown" and cell.source.lstrip().startswith(QUESTION_OPENERS):
            types[i], used, reveal_next = SUBSLIDE, need, True
        elif (cell.cell_type == "markdown" and nxt is not None and has_figure(cells[nxt])
              and _rows(cell.source, TEXT_WIDTH) <= CAPTION_ROWS):
            types[i], used, reveal_next = SUBSLIDE, need, False   # the caption of the figure next
            captions.add(i)
        elif "check" in cell.metadata.get("tags", []) and not reveal_next:
            types[i] = CONTINUE   # one line saying the exercise passes: never a slide of its own
            used += need
        elif used + need > BUDGET:
            types[i], used, reveal_next = SUBSLIDE, need, False
        else:
            answer = reveal_next
            types[i] = FRAGMENT if cell.cell_type == "markdown" or answer else CONTINUE
            used += need
            reveal_next = False
    return types


def apply(nb) -> int:
    """Set ``cell.metadata.slideshow.slide_type`` of every cell of ``nb`` in place; returns how many changed.

    Other keys of ``slideshow`` and of the metadata are kept.
    """
    changed = 0
    for cell, kind in zip(nb.cells, slide_types(nb.cells)):
        slideshow = cell.metadata.setdefault("slideshow", {})
        if slideshow.get("slide_type") != kind:
            slideshow["slide_type"] = kind
            changed += 1
    return changed
