"""What every explorer shares: PNG rendering, the display protocol, argument checks."""

from __future__ import annotations

import io

import numpy as np

from .._checks import shape_str

#: Resolution of the pictures: a figure 11 inches wide becomes an image 990 pixels wide.
DPI = 90

#: CSS pixels per inch of figure: :func:`show_figure` shows a picture at the CSS
#: reference size, where a point is 4/3 of a pixel, so the 11 pt of the smallest
#: text of :mod:`cnnlab.viz` is 14.7 px on the page. Figures of the explorers are at
#: most 10.5 inches wide (1008 px), which JupyterLab and Voila show unscaled at 1280
#: pixels wide; narrower pages shrink them.
CSS_PX_PER_INCH = 96

#: Image pixels per CSS pixel: sharp on screens of twice the density, on a projector
#: at 1920 pixels wide and in a browser zoomed in up to 200%.
SHARPNESS = 2


def figure_png(fig, dpi: int = DPI) -> bytes:
    """A matplotlib figure as PNG bytes (for ``ipywidgets.Image.value``)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def show_figure(image, fig) -> None:
    """Show ``fig`` in the ``ipywidgets.Image`` ``image`` at the size it was drawn for.

    The PNG has ``SHARPNESS`` image pixels per CSS pixel, and the image is
    ``CSS_PX_PER_INCH`` CSS pixels per inch of figure wide, never stretched
    (a narrower page shrinks it).
    """
    width, height = (round(inches * CSS_PX_PER_INCH) for inches in fig.get_size_inches())
    fig.set_size_inches(width / CSS_PX_PER_INCH, height / CSS_PX_PER_INCH)   # whole CSS pixels
    image.value = figure_png(fig, dpi=CSS_PX_PER_INCH * SHARPNESS)
    image.layout.width = f"{width}px"


def image_png(image, *, scale: int = 2, cmap: str = "gray_r", vmin=0.0, vmax=1.0) -> bytes:
    """A small greyscale image (H, W) as PNG bytes, each pixel a ``scale`` x ``scale`` block."""
    import matplotlib.image
    image = np.asarray(image, dtype=np.float64)
    big = np.kron(image, np.ones((scale, scale)))
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, big, cmap=cmap, vmin=vmin, vmax=vmax, format="png")
    return buffer.getvalue()


def new_figure(width, height):
    """A Figure made without pyplot (nothing accumulates in pyplot's list of figures)."""
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), layout="constrained")


def picture(css_class: str = "cnnlab-picture"):
    """An empty PNG ``ipywidgets.Image`` with the class the browser tests look for."""
    import ipywidgets as widgets
    image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto",
                                                              align_self="flex-start"))
    image.add_class(css_class)
    return image


def check_images(func: str, x) -> np.ndarray:
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{func}: expected x to be a float numpy array of images (N, 1, 28, 28), got "
                        f"{type(x).__name__} {getattr(x, 'dtype', '')}")
    if x.ndim != 4 or x.shape[0] == 0:
        raise ValueError(f"{func}: expected x of shape (N, 1, H, W) with N >= 1, e.g. "
                         f"data.x_test, got shape {shape_str(x.shape)}")
    return x


def check_labels(func: str, y, n: int, name: str = "y") -> np.ndarray | None:
    if y is None:
        return None
    if not isinstance(y, np.ndarray) or y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{func}: expected {name} to be integer labels of shape (N,), got "
                        f"{type(y).__name__} {getattr(y, 'shape', '')} {getattr(y, 'dtype', '')}")
    if y.shape[0] != n:
        raise ValueError(f"{func}: expected one label per image: {n} images but {y.shape[0]} labels")
    return y


def is_model(obj) -> bool:
    return callable(getattr(obj, "forward", None)) and isinstance(getattr(obj, "layers", None), list)


def as_checkpoints(func: str, checkpoints) -> dict:
    """``{name: model}`` from a dict of models or a single model (named ``"model"``)."""
    if is_model(checkpoints):
        return {"model": checkpoints}
    if not isinstance(checkpoints, dict) or not checkpoints:
        raise TypeError(f"{func}: expected a model (such as LeNet5) or a non-empty dict "
                        f"{{name: model}}, e.g. {{'epoch 1': model, 'pretrained': load_lenet5()}}, "
                        f"got {type(checkpoints).__name__}")
    for name, model in checkpoints.items():
        if not isinstance(name, str) or not is_model(model):
            raise TypeError(f"{func}: expected {{name: model}} with str names and "
                            f"cnnlab.layers.Sequential models, got {name!r}: {type(model).__name__}")
    return dict(checkpoints)


def selector(options, value=None, description=""):
    """ToggleButtons for a few options, a Dropdown for many.

    With a single option there is nothing to choose: the control is hidden
    (``layout.display = "none"``) but keeps its value.
    """
    import ipywidgets as widgets
    options = list(options)
    if len(options) <= 6:
        control = widgets.ToggleButtons(options=options, description=description,
                                        style={"button_width": "auto"})
    else:
        control = widgets.Dropdown(options=options, description=description)
    if value is not None:
        control.value = value
    if len(options) < 2:
        control.layout.display = "none"
    return control


def instructions(html: str):
    """A line of help above an explorer's controls, in the page's font at 15 px."""
    import ipywidgets as widgets
    return widgets.HTML(f"<div style='font-size:15px;line-height:1.4'>{html}</div>")


class Explorer:
    """Base of the explorers: ``.widget`` is the root box; the object displays as it.

    Leave an explorer as a cell's last expression (or ``display(explorer)``)
    to show it, in JupyterLab and in Voila alike.
    """

    widget = None

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["text/plain"] = repr(self)
        return bundle

    def _ipython_display_(self):
        from IPython.display import display
        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self):
        return f"<{type(self).__name__}: an ipywidgets explorer; run the notebook to use it>"
