"""The value returned by the loaders: arrays plus where they came from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Dataset"]


def _describe(a) -> str:
    return "None" if a is None else f"{tuple(a.shape)} {a.dtype}"


@dataclass(frozen=True, repr=False, eq=False)
class Dataset:
    """Train, test and optional validation arrays of one image dataset.

    Attributes
    ----------
    x_train : numpy.ndarray, shape (N_train, 1, 28, 28)
        Training images, NCHW. float32 in [0, 1] by default; standardised
        (mean 0, std 1 over the training set) if asked; uint8 0..255 with
        ``dtype=np.uint8``.
    y_train : numpy.ndarray, shape (N_train,), int64
        Training labels; ``class_names[y]`` names label ``y``.
    x_test : numpy.ndarray, shape (N_test, 1, 28, 28)
    y_test : numpy.ndarray, shape (N_test,), int64
    x_val : numpy.ndarray, shape (N_val, 1, 28, 28), or None
        Validation images carved from the training set; None when
        ``val_size=0``.
    y_val : numpy.ndarray, shape (N_val,), int64, or None
    name : str
        ``"mnist"`` or ``"fashion-mnist"``.
    source : str
        ``"full"`` (the real 60,000 / 10,000 files) or ``"sample"`` (the
        embedded 4,000 / 1,000 MNIST sample).
    location : str
        The folder or file the data was read from.
    class_names : tuple of str
        Name of each label value.
    mean, std : float or None
        The training-set statistics used to standardise, or None if the
        data was not standardised. Apply them to new images the same way:
        ``(x - mean) / std``.

    Examples
    --------
    >>> data = load_mnist(n_train=1000)                      # doctest: +SKIP
    >>> (x_train, y_train), (x_test, y_test) = data.train, data.test   # doctest: +SKIP
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_val: np.ndarray | None
    y_val: np.ndarray | None
    name: str
    source: str
    location: str
    class_names: tuple[str, ...]
    mean: float | None = None
    std: float | None = None

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_train, y_train)``."""
        return self.x_train, self.y_train

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_test, y_test)``."""
        return self.x_test, self.y_test

    @property
    def val(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """``(x_val, y_val)``; ``(None, None)`` without a validation split."""
        return self.x_val, self.y_val

    @property
    def num_classes(self) -> int:
        """Number of classes, ``len(class_names)``."""
        return len(self.class_names)

    def __repr__(self) -> str:
        stats = "" if self.mean is None else f", mean={self.mean:.4f}, std={self.std:.4f}"
        return (f"Dataset(name={self.name!r}, source={self.source!r}, "
                f"location={self.location!r},\n"
                f"        x_train={_describe(self.x_train)}, y_train={_describe(self.y_train)},\n"
                f"        x_val={_describe(self.x_val)}, y_val={_describe(self.y_val)},\n"
                f"        x_test={_describe(self.x_test)}, y_test={_describe(self.y_test)},\n"
                f"        num_classes={self.num_classes}{stats})")
