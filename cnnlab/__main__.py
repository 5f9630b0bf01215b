"""``python -m cnnlab``: see :mod:`cnnlab.cli` (``python -m cnnlab train --help``)."""

from .cli import main

raise SystemExit(main())
