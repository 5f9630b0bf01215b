"""``python -m cnnlab.i18n update|build|check [--lang zh_CN]``: the translated course.

* ``update``: merge every catalogue with the English sources (new units empty, changed
  ones fuzzy).
* ``build``: write the translated notebooks from the English ones and the catalogues.
* ``check``: list every missing, fuzzy or altered translation and every translated
  notebook that is stale or edited by hand; exit 1 if there is any.

``make translations`` runs ``update`` then ``build``.
"""

from __future__ import annotations

import argparse
import sys

from . import LANGUAGES


def _update(sources) -> int:
    from .notebooks import update

    changed = [s for s in sources if update(s)]
    print(f"{len(changed)} of {len(sources)} catalogues updated")
    return 0


def _build(sources) -> int:
    from .notebooks import build

    changed, missing = 0, 0
    for source in sources:
        wrote, left = build(source)
        changed += wrote
        missing += left
        if left:
            print(f"{source.output.relative_to(source.root)}: {left} unit(s) still English")
    print(f"{changed} of {len(sources)} translated files written")
    return 0


def _check(sources) -> int:
    from .verify import check

    found = check(sources)
    for line in found:
        print(line)
    print(f"{len(found)} problem(s) in {len(sources)} files")
    return 1 if found else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cnnlab.i18n", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["update", "build", "check"])
    parser.add_argument("--lang", default=LANGUAGES[1], choices=LANGUAGES[1:])
    parser.add_argument("--only", metavar="TEXT",
                        help="only the sources whose path contains TEXT (e.g. 04_)")
    args = parser.parse_args(argv)
    from .notebooks import sources

    chosen = [s for s in sources(args.lang) if not args.only or args.only in s.rel.as_posix()]
    if not chosen:
        parser.error(f"--only {args.only!r}: no source matches")
    return {"update": _update, "build": _build, "check": _check}[args.command](chosen)


if __name__ == "__main__":
    sys.exit(main())
