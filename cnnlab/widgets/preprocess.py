"""Preparing a drawing the way MNIST's digits were prepared, as pure functions of arrays.

A drawing must be prepared the way MNIST's digits were before the network
can read it fairly (LeCun et al.: "normalized to fit in a 20x20 pixel box
while preserving their aspect ratio ... centered in a 28x28 image by
computing the center of mass of the pixels"). :func:`preprocess_digit` does
exactly that, and :func:`rasterize_strokes` turns mouse strokes into the
array; neither needs a browser. :class:`~cnnlab.widgets.DrawDigit` uses both.
"""

from __future__ import annotations

import numpy as np

from .._checks import shape_str

__all__ = ["preprocess_digit", "rasterize_strokes", "center_of_mass"]


def center_of_mass(image) -> tuple[float, float]:
    """The intensity-weighted mean (row, column) of an image (H, W), in pixel indices.

    Pixel (i, j) counts at its index, so the centre of a 28x28 field is (13.5,
    13.5); MNIST's digits have theirs at (14, 14) on average (13.99, 14.00
    over the embedded sample's training digits).
    """
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    if image.ndim != 2 or total <= 0:
        raise ValueError(f"center_of_mass: expected an image (H, W) with some positive pixels, got "
                         f"shape {shape_str(image.shape)} with total {total:g}")
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def _overlaps(n_out: int, n_in: int, scale: float, offset: float) -> np.ndarray:
    """Resampling weights (n_out, n_in): output pixel i covers input [(i - offset)/scale, (i+1 - offset)/scale].

    Each weight is the length of that interval's overlap with input pixel
    [j, j+1], times ``scale``: an area average, which anti-aliases when it shrinks.
    """
    i = np.arange(n_out, dtype=np.float64)[:, None]
    j = np.arange(n_in, dtype=np.float64)[None, :]
    low, high = (i - offset) / scale, (i + 1 - offset) / scale
    return np.clip(np.minimum(high, j + 1) - np.maximum(low, j), 0.0, None) * scale


def preprocess_digit(image, *, size: int = 28, box: int = 20, threshold: float = 0.05,
                     center=None) -> np.ndarray:
    """Turn a drawing of any size into a digit as MNIST's were prepared.

    1. Crop to the bounding box of the ink (pixels above ``threshold`` times the
       brightest one).
    2. Scale it, keeping its aspect ratio, so its longer side fills a
       ``box`` x ``box`` square (20 x 20), averaging the pixels each output pixel
       covers (anti-aliasing: edges become grey levels); the shorter side is
       centred in the square.
    3. Paste the square into a ``size`` x ``size`` field (28 x 28), shifted by whole
       pixels so that the centre of mass lands on ``center`` (MNIST's (14, 14)).
    4. Scale the intensities so the brightest pixel is 1.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Light ink on a dark background (as MNIST: 0 background, larger is more
        ink), floats or uint8; any size, e.g. a 280 x 280 canvas.
    size, box : int
        The field and the box the digit is fitted into.
    threshold : float in [0, 1)
        Fainter pixels do not count for the bounding box.
    center : (float, float), optional
        Where the centre of mass goes, in pixel indices; default ``(size / 2, size / 2)``.

    Returns
    -------
    ndarray, shape (size, size), float32 in [0, 1]
        All zeros if the image has no ink. Feed it to a model as ``out[None, None]``.
    """
    func = "preprocess_digit"
    array = np.asarray(image)
    if array.ndim != 2 or 0 in array.shape or not (np.issubdtype(array.dtype, np.number)
                                                    or array.dtype == bool):
        raise ValueError(f"{func}: expected a greyscale image of shape (H, W), e.g. a 280x280 "
                         f"drawing, got {array.dtype} of shape {shape_str(array.shape)}")
    if not 0 <= threshold < 1:
        raise ValueError(f"{func}: expected threshold in [0, 1), got {threshold!r}")
    if not (isinstance(size, (int, np.integer)) and isinstance(box, (int, np.integer)) and 0 < box <= size):
        raise ValueError(f"{func}: expected ints 0 < box <= size, got box={box!r}, size={size!r}")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{func}: expected finite pixel values, got NaN or infinity")
    array = np.clip(array, 0.0, None)
    out = np.zeros((size, size), dtype=np.float32)
    peak = array.max()
    if peak <= 0:
        return out
    rows = np.flatnonzero((array > threshold * peak).any(axis=1))
    cols = np.flatnonzero((array > threshold * peak).any(axis=0))
    crop = array[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    square = (_overlaps(box, h, scale, (box - h * scale) / 2) @ crop
              @ _overlaps(box, w, scale, (box - w * scale) / 2).T)
    cy, cx = center_of_mass(square)
    target_y, target_x = (size / 2, size / 2) if center is None else center
    top, left = int(round(target_y - cy)), int(round(target_x - cx))
    # paste the box at (top, left), clipped to the field
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + box, size), min(left + box, size)
    if y1 > y0 and x1 > x0:
        out[y0:y1, x0:x1] = square[y0 - top:y1 - top, x0 - left:x1 - left]
    peak = out.max()
    return out / peak if peak > 0 else out


def rasterize_strokes(strokes, shape, width: float) -> np.ndarray:
    """Draw strokes of a round pen into an image: what the canvas shows, as an array.

    Parameters
    ----------
    strokes : sequence of sequences of (x, y)
        Each stroke is the pen's path while the button was held, in canvas
        pixels (x to the right, y down); a stroke of one point is a dot.
    shape : (H, W)
        The canvas size in pixels.
    width : float
        The pen's diameter in pixels.

    Returns
    -------
    ndarray, shape (H, W), float64 in [0, 1]
        1 under the pen, 0 elsewhere, with a one-pixel anti-aliased edge.
    """
    height, width_px = int(shape[0]), int(shape[1])
    out = np.zeros((height, width_px))
    radius = float(width) / 2
    if radius <= 0:
        raise ValueError(f"rasterize_strokes: expected a positive pen width, got {width!r}")
    for stroke in strokes:
        points = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        if points.shape[0] == 0:
            continue
        if points.shape[0] == 1:
            points = np.vstack([points, points])
        for (ax, ay), (bx, by) in zip(points[:-1], points[1:]):
            x_low = max(int(np.floor(min(ax, bx) - radius - 1)), 0)
            x_high = min(int(np.ceil(max(ax, bx) + radius + 1)), width_px)
            y_low = max(int(np.floor(min(ay, by) - radius - 1)), 0)
            y_high = min(int(np.ceil(max(ay, by) + radius + 1)), height)
            if x_low >= x_high or y_low >= y_high:
                continue
            py, px = np.mgrid[y_low:y_high, x_low:x_high] + 0.5      # pixel centres
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0, 1)
            distance = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
            ink = np.clip(radius + 0.5 - distance, 0.0, 1.0)
            region = out[y_low:y_high, x_low:x_high]
            np.maximum(region, ink, out=region)
    return out
