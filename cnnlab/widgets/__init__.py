"""Interactive explorers for a trained network, built on ipywidgets 8.

Each explorer renders matplotlib figures (from :mod:`cnnlab.viz`) to PNG
bytes in an ``ipywidgets.Image``, so it works the same in JupyterLab and in
Voila, with no ipympl. Each has ``.widget``, its root box, and displays as it
when left as a cell's last expression.

============================  ==========================================================
:class:`FeatureMapExplorer`   an image through the network: every channel of any layer,
                              the prediction, at several stages of training
:class:`FilterViewer`         the filters of conv1 and conv2
:class:`ConfusionExplorer`    a confusion matrix of buttons; a cell shows its images
:class:`DrawDigit`            draw a digit with the mouse, watch the network read it
:class:`TrainingView`         live learning curves, a callback of ``fit``
============================  ==========================================================

CSS classes, for tests in a browser (``widget.add_class``): the root boxes
``cnnlab-feature-map-explorer``, ``cnnlab-filter-viewer``,
``cnnlab-confusion-explorer``, ``cnnlab-draw-digit``, ``cnnlab-training-view``;
the main picture in each ``cnnlab-picture``; the feature-map explorer's image
slider ``cnnlab-image-index``; confusion cells ``cnnlab-cm-cell`` and
``cnnlab-cm-cell-T-P`` (T true, P predicted class); the confusion gallery
``cnnlab-gallery`` (also the explorer's ``cnnlab-picture``); the drawing canvas
``cnnlab-canvas``.
"""

from .confusion import ConfusionExplorer
from .draw import DrawDigit
from .feature_maps import FeatureMapExplorer, plot_units
from .filters import FilterViewer
from .preprocess import center_of_mass, preprocess_digit, rasterize_strokes
from .training import TrainingView

__all__ = ["FeatureMapExplorer", "FilterViewer", "ConfusionExplorer", "DrawDigit", "TrainingView",
           "preprocess_digit", "rasterize_strokes", "center_of_mass", "plot_units"]
