"""How `make test` shares its tests between two worker processes (pytest-xdist, ``-n 2
--dist loadfile``), so the full suite uses both cores of a class machine or CI runner.

``--dist loadfile`` sends each test file to one worker. Here it is refined for the
notebooks, whose order matters:

* The cells of every English notebook under ``notebooks/`` are one unit of work, run in
  series order by one worker: notebook 09 reads the ``my_layers.py`` that notebooks 00 to 08
  wrote. The Chinese notebooks (``notebooks/zh_CN/``, the same code) are a second unit,
  with a ``my_layers.py`` of their own, so the two editions run side by side.
* Every other file (a test module, the dashboard) is a unit of its own, as with plain
  ``loadfile``: a module's fixtures (a JupyterLab server, a slide build) are made once.
* Each worker trains into its own folder under ``CNNLAB_RUNS_DIR``.

Without xdist (``pytest tests/...``, ``make test-fast``) none of this does anything.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cnnlab.i18n import LANGUAGES

LANGUAGE_FOLDERS = LANGUAGES[1:]   # notebooks/zh_CN/: the translated editions
_MY_LAYERS = os.environ.get("CNNLAB_MY_LAYERS")

# Each worker trains into a run folder of its own: the English and the Chinese notebook 10, or
# notebook 10 under nbval and in the browser test, may run at the same moment.
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("CNNLAB_RUNS_DIR"):
    os.environ["CNNLAB_RUNS_DIR"] = str(Path(os.environ["CNNLAB_RUNS_DIR"]) / os.environ["PYTEST_XDIST_WORKER"])


def _edition(parts) -> str | None:
    return next((part for part in parts if part in LANGUAGE_FOLDERS), None)


def unit_of_work(nodeid: str) -> str:
    """The unit of work of a test: its file, or the whole series of its edition."""
    path = nodeid.split("::", 1)[0]
    parts = Path(path).parts
    if path.endswith(".ipynb") and parts[0] == "notebooks":
        lang = _edition(parts)
        return "notebooks" if lang is None else f"notebooks/{lang}"
    return path


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SeriesInOrder(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    return SeriesInOrder(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A translated notebook's kernel (started when its first cell is set up) gets its own
    ``my_layers.py`` beside the English one's, ``.../teacher-zh_CN/my_layers.py``."""
    path = Path(str(item.path))
    if not _MY_LAYERS or path.suffix != ".ipynb":
        return
    lang = _edition(path.parts)
    folder = Path(_MY_LAYERS).parent
    os.environ["CNNLAB_MY_LAYERS"] = (_MY_LAYERS if lang is None else
                                      str(folder.with_name(f"{folder.name}-{lang}") / "my_layers.py"))
