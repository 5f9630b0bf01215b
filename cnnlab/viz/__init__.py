"""Plots of training runs and of what a network sees: curves, confusion matrices,
feature maps, filters, probabilities and galleries of images.

Plain functions that draw on a given matplotlib ``Axes`` or, without one, on
a new ``matplotlib.figure.Figure``, and return the figure. New figures are
created without ``pyplot``, so nothing accumulates in pyplot's global list
(a loop or the command line can make hundreds) and any backend works,
including Agg on a server. In a notebook, a returned figure shows when it is
the cell's last expression, or with ``display(fig)``; ``fig.savefig(path)``
writes a PNG.

Made to be projected: every text is at least 11 pt (:mod:`cnnlab.viz.style`),
which the explorers of :mod:`cnnlab.widgets` show at 14.7 px or more; every
axis is labelled; epochs are ticked at whole numbers.

Colours keep one meaning throughout: digits are dark ink on white
(``gray_r``); signed values (feature maps, weights) are red above zero, blue
below and white at zero (``RdBu_r``, symmetric about 0), and values that are
never negative (feature maps after ReLU or pooling) run from white to red
(``Reds``): a map after ReLU shows the reds of the map before it with its
blues gone. Counts (confusion matrices) are sequential blues.

================================  ======================================================
:func:`plot_history`              loss and accuracy against epochs (train, val, test)
:func:`plot_confusion_matrix`     counts or percentages of each true class
:func:`plot_probabilities`        a classifier's probabilities for one example
:func:`plot_feature_maps`         every channel of one example's feature maps
:func:`plot_filters`              a convolution's weights, filters by input channels
:func:`plot_image_gallery`        small images side by side, each with a title
================================  ======================================================
"""

from .curves import plot_confusion_matrix, plot_history, plot_probabilities
from .grids import plot_feature_maps, plot_filters, plot_image_gallery
from .style import percent

__all__ = ["plot_history", "plot_confusion_matrix", "plot_feature_maps", "plot_filters",
           "plot_probabilities", "plot_image_gallery", "percent"]
