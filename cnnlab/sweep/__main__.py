"""``python -m cnnlab.sweep``: see :mod:`cnnlab.sweep.cli` (``python -m cnnlab.sweep --help``)."""

from .cli import main

raise SystemExit(main())
