"""Command-line flags derived from the declaration: the same flags, help and checks in
``python -m cnnlab train`` and ``python -m cnnlab.sweep``."""

from __future__ import annotations

import argparse

from .options import OPTIONS, check_option

__all__ = ["ArgumentParser", "add_options", "given_options"]


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors are one line, as the range checks' are.

    ``python -m cnnlab train: error: argument --model: invalid choice: 'resnet'
    (choose from ...)``, exit status 2, without the many lines of usage first
    (``--help`` shows them). Sub-commands' parsers are of this class too.
    """

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _shown(value) -> str:
    return "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _count_or_fraction(text):
    """``"5000"`` -> 5000, ``"0.1"`` -> 0.1 (for --val-size)."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a count (5000) or a fraction (0.1), "
                                             f"got {text!r}") from None


_READ = {"int": int, "float": float, "str": str, "count_or_fraction": _count_or_fraction}


def _text(name):
    """argparse's ``type`` of a non-choice option: the text read as the option's kind.

    Only read here; :func:`given_options` checks the ranges, so that every
    range error names the option the same way.
    """
    option = OPTIONS[name]
    read = _READ[option.kind]

    def parse(text):
        if option.nullable and text.strip().lower() == "none":
            return None
        return read(text)
    parse.__name__ = read.__name__  # argparse names it in its errors: "invalid int value: 'x'"
    return parse


def add_options(group, names, *, dest_prefix: str = "") -> None:
    """Add the flag of each option in ``names`` to ``group`` (an argparse parser or group).

    Help, choices, metavar and ``(default: ...)`` come from
    :data:`~cnnlab.recipe.OPTIONS`; booleans get ``--x``/``--no-x``. Every
    flag's default is ``argparse.SUPPRESS``: an option is in the namespace
    only when given, so that ``--resume`` can tell what the user asked for
    from what the defaults say. Read them back with :func:`given_options`.
    """
    for name in names:
        option = OPTIONS[name]
        kw = dict(dest=dest_prefix + name, default=argparse.SUPPRESS,
                  help=f"{option.help} (default: {_shown(option.default)})")
        if option.kind == "bool":
            group.add_argument(option.flag, action=argparse.BooleanOptionalAction, **kw)
        elif option.kind == "choice":
            group.add_argument(option.flag, choices=option.choices + (("none",) if option.nullable else ()),
                               **kw)
        else:
            group.add_argument(option.flag, type=_text(name), metavar=option.metavar or name.upper(), **kw)


def given_options(func: str, namespace, *, dest_prefix: str = "") -> dict:
    """The options given on the command line, each checked (``none`` read as None).

    Raises ``TypeError`` or ``ValueError`` naming the flag, e.g.
    ``"python -m cnnlab train: expected --dropout in [0, 1), got 1.5"``.
    """
    given = {}
    for dest, value in vars(namespace).items():
        name = dest[len(dest_prefix):] if dest.startswith(dest_prefix) else None
        if name in OPTIONS:
            option = OPTIONS[name]
            if option.nullable and value == "none":
                value = None
            given[name] = check_option(func, name, value, label=option.flag)
    return given
