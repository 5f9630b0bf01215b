"""Input checks shared by every layer.

Each check raises a ``TypeError`` or ``ValueError`` whose message starts with
the name of the layer or function (``"conv2d: ..."``), then says what was
expected and what was received, in the wording of :mod:`cnnlab._options`
(``"expected x of shape (N, C, H, W), got shape (2, 28, 28)"``), so a student
can fix the call without reading library code.
"""

from __future__ import annotations

import numpy as np


def shape_str(shape) -> str:
    """Format a shape as ``(2, 3, 4)``; a 1-tuple as ``(5,)``, like NumPy."""
    return str(tuple(int(s) for s in shape))


def check_float_array(layer: str, name: str, a) -> np.ndarray:
    """Return ``a`` unchanged if it is a floating-point ndarray, else raise.

    Integer images (``uint8`` pixels, say) must be converted on purpose:
    silently casting them would hide a missing ``/ 255``.
    """
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{layer}: expected {name} to be a numpy.ndarray of floats, "
                        f"got {type(a).__name__}")
    if not np.issubdtype(a.dtype, np.floating):
        raise TypeError(f"{layer}: expected {name} with a floating-point dtype "
                        f"(float32 or float64), got dtype {a.dtype}; "
                        f"convert it first, e.g. {name}.astype(np.float64)")
    return a


def check_ndim(layer: str, name: str, a: np.ndarray, ndim: int, layout: str) -> None:
    """Raise unless ``a.ndim == ndim``; ``layout`` names the axes, e.g. ``"(N, C, H, W)"``."""
    if a.ndim != ndim:
        raise ValueError(f"{layer}: expected {name} of shape {layout}, "
                         f"got shape {shape_str(a.shape)}")


def check_shape(layer: str, name: str, a: np.ndarray, expected: tuple) -> None:
    """Raise unless ``a.shape == expected``."""
    if tuple(a.shape) != tuple(expected):
        raise ValueError(f"{layer}: expected {name} of shape {shape_str(expected)}, "
                         f"got shape {shape_str(a.shape)}")


def check_features(layer: str, x: np.ndarray, features: int, w: np.ndarray) -> None:
    """Raise unless each example of ``x`` holds ``features == w.shape[0]`` numbers (a linear layer's D).

    ``x`` is shown as given, (N, D) rows or (N, d_1, ..., d_k) examples; an image
    of the wrong size shows up here, where the flattened feature maps meet the weights.
    """
    if features != w.shape[0]:
        raise ValueError(f"{layer}: expected each example of x to hold D = w.shape[0] = {w.shape[0]} "
                         f"numbers, got x of shape {shape_str(x.shape)} ({features} numbers per example)")


def check_dout(layer: str, dout, out_shape: tuple) -> np.ndarray:
    """Check an upstream gradient against the shape of the forward output."""
    check_float_array(layer, "dout", dout)
    check_shape(layer, "dout (same as the forward output)", dout, out_shape)
    return dout


def pair(layer: str, name: str, value, minimum: int) -> tuple[int, int]:
    """Turn ``3`` or ``(3, 5)`` into a ``(height, width)`` pair of ints >= ``minimum``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair_value = (int(value), int(value))
    elif (isinstance(value, (tuple, list)) and len(value) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)):
        pair_value = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{layer}: expected {name} to be an int or a pair of ints "
                        f"(height, width), got {value!r}")
    if min(pair_value) < minimum:
        raise ValueError(f"{layer}: expected {name} >= {minimum}, got {value!r}")
    return pair_value


def output_size(layer: str, size: int, kernel: int, stride: int, pad: int, axis: str) -> int:
    """``(size + 2*pad - kernel) // stride + 1``, refusing windows that do not fit.

    A stride that leaves rows or columns of the padded input uncovered raises
    instead of silently dropping them: that would make the output-size formula
    a floor that students then have to debug.
    """
    padded = size + 2 * pad
    if kernel > padded:
        raise ValueError(f"{layer}: kernel {axis} {kernel} is larger than the padded input "
                         f"{axis} {padded} ({size} + 2*{pad})")
    if (padded - kernel) % stride != 0:
        raise ValueError(f"{layer}: stride {stride} does not fit along the {axis}: "
                         f"(input {size} + 2*pad {pad} - kernel {kernel}) = {padded - kernel} "
                         f"is not a multiple of {stride}; change the stride or padding")
    return (padded - kernel) // stride + 1


def check_batch(func: str, x) -> None:
    """A batch of images or features for a model: an ndarray (N, ...) of floats, N >= 1."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{func}: expected x to be a numpy.ndarray, got {type(x).__name__}")
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(f"{func}: expected x of shape (N, ...) with N >= 1, e.g. (N, 1, 28, 28), "
                         f"got shape {shape_str(x.shape)}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{func}: expected floating-point x (scaled images), got dtype {x.dtype}; "
                        f"convert it, e.g. x.astype(np.float32) / 255")


def check_xy(func: str, x, y) -> None:
    """Examples and their labels: ndarrays ``x`` (N, ...) and ``y`` (N,) with the same N."""
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):
        raise TypeError(f"{func}: expected x and y to be numpy.ndarrays, got "
                        f"{type(x).__name__} and {type(y).__name__}")
    if x.ndim == 0 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ValueError(f"{func}: expected x of shape (N, ...) and y of shape (N,) with the same N, "
                         f"got shapes {shape_str(x.shape)} and {shape_str(y.shape)}")
