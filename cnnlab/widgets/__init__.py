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
``cnnlab-gallery`` (also the explorer's ``cnnlab-picture``), its accuracy line
``cnnlab-cm-summary`` and, while a split's predictions are computed, ``cnnlab-busy`` on
its root; the drawing canvas ``cnnlab-canvas``; every explorer's caption
``cnnlab-caption``; the training view's ``cnnlab-status`` and ``cnnlab-stop`` button.

Made for a lecture hall: every picture is shown at the size it was drawn for (96 CSS
pixels per inch of figure, at most 1008 px wide, twice as many image pixels, so it stays
sharp at 1920 pixels wide and zoomed in), where the smallest text of :mod:`cnnlab.viz`
is 14.7 px.
"""

from .confusion import ConfusionExplorer
from .draw import DrawDigit
from .feature_maps import FeatureMapExplorer, plot_units
from .filters import FilterViewer
from .preprocess import center_of_mass, preprocess_digit, rasterize_strokes
from .training import TrainingView

__all__ = ["FeatureMapExplorer", "FilterViewer", "ConfusionExplorer", "DrawDigit", "TrainingView",
           "preprocess_digit", "rasterize_strokes", "center_of_mass", "plot_units"]
