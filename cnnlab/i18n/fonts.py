"""Figures in the course's language: a font that draws Chinese, or English labels.

matplotlib's default font, DejaVu Sans, has no Chinese characters: a Chinese label
would be drawn as empty boxes. :func:`use_cjk_font` puts an installed CJK font first
in matplotlib's sans-serif list (Debian: ``fonts-noto-cjk`` gives "Noto Sans CJK SC",
``fonts-wqy-microhei`` "WenQuanYi Micro Hei"), with DejaVu Sans kept behind it for the
few symbols a CJK font lacks (⋆, the hat of x̂).

The package's drawing functions are decorated with :func:`figure_text`: in a language
written in Chinese characters they call :func:`use_cjk_font` first, and where no CJK
font is installed they draw their labels in English instead, without a warning.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re

from . import LANGUAGES, language, using_language

__all__ = ["CJK_FONTS", "cjk_font", "use_cjk_font", "figure_language", "figure_text"]

#: Fonts that draw Simplified Chinese, in order of preference: Linux, then macOS and Windows.
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Noto Sans SC", "PingFang SC", "Heiti SC", "Microsoft YaHei", "SimHei")
#: Font files of those fonts, to find one installed after matplotlib cached its font list.
_FILES = re.compile(r"notosanscjk|notosanssc|sourcehansans|wqy-|pingfang|stheiti|msyh|simhei", re.I)
#: The languages whose text needs a CJK font.
_CJK_LANGUAGES = ("zh_CN",)


def _installed(font_manager) -> str | None:
    names = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in names), None)


class _RegularForBold(logging.Filter):
    """Drops matplotlib's notice that a CJK font has no bold face (most have none) and that
    it draws the regular one instead, as it does each time a bold title is drawn."""

    def __init__(self, name: str):
        super().__init__()
        self.font = name

    def filter(self, record) -> bool:
        message = record.getMessage()
        return not (message.startswith("findfont: Failed to find font weight") and self.font in message)


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of the first installed font of :data:`CJK_FONTS`, or None."""
    from matplotlib import font_manager

    found = _installed(font_manager)
    if found is None:
        # matplotlib keeps its list of fonts in a cache file: a font installed after it was
        # written is missing from it, so look among the system's font files too
        for path in font_manager.findSystemFonts():
            if _FILES.search(path):
                with contextlib.suppress(Exception):  # a file FreeType cannot read: skip it
                    font_manager.fontManager.addfont(path)
        found = _installed(font_manager)
    if found is not None:
        logging.getLogger("matplotlib.font_manager").addFilter(_RegularForBold(found))
    return found


def use_cjk_font() -> bool:
    """Let matplotlib draw Chinese from now on: put the installed CJK font first in
    ``rcParams["font.sans-serif"]`` (DejaVu Sans behind it, for the symbols it lacks).

    Returns False, and changes nothing, when no CJK font is installed.
    """
    name = cjk_font()
    if name is None:
        return False
    import matplotlib as mpl

    rc = mpl.rcParams
    if rc["font.sans-serif"][:1] != [name]:
        rc["font.sans-serif"] = [name] + [font for font in rc["font.sans-serif"] if font != name]
    if list(rc["font.family"]) == ["sans-serif"]:  # the default: the user chose no other font
        rc["font.family"] = ["sans-serif", "DejaVu Sans"]
    return True


@contextlib.contextmanager
def figure_language():
    """Inside the block, the package's text is in the current language if a font can draw
    it (:func:`use_cjk_font`), else in English."""
    if language() in _CJK_LANGUAGES and not use_cjk_font():
        with using_language(LANGUAGES[0]):
            yield
    else:
        yield


def figure_text(draw):
    """Decorate a function that draws a figure: its labels follow :func:`figure_language`."""

    @functools.wraps(draw)
    def drawing(*args, **kwargs):
        with figure_language():
            return draw(*args, **kwargs)

    return drawing
