"""Slide decks of the notebooks: reveal.js, built offline (``make slides``).

* :mod:`cnnlab.slides.tags` chooses every cell's slide type by rule and writes
  it into the notebook's cell metadata (``python -m cnnlab.slides tag``);
* :mod:`cnnlab.slides.build` turns each notebook into
  ``slides/NN_name.slides.html`` with nbconvert, every script, style sheet and
  font a copy in ``slides/assets/`` from the npm packages of
  ``package-lock.json``, so a deck opens from disk with no network
  (``python -m cnnlab.slides build``).
"""

from .build import SlidesError, build, build_deck, network_references, references
from .tags import apply, slide_types

__all__ = ["SlidesError", "apply", "build", "build_deck", "network_references", "references",
           "slide_types"]
