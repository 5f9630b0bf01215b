"""The conceptual questions of each notebook, one module per notebook (``nb04.py``).

Each module calls :func:`cnnlab.course.answers.register`; importing this package
imports them all, so a new notebook's questions need only a new module here.
"""

import importlib
import pkgutil

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
