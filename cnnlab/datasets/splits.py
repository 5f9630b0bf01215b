"""Choosing examples: a class subset, the first n or a stratified n, a validation split.

Each function returns new arrays and leaves its inputs untouched. Randomness
comes only from the ``rng`` passed in, so the same seed gives the same split;
without ``rng`` the choice is a fixed, documented one (first or last
examples in file order).
"""

from __future__ import annotations

import numpy as np

from .._checks import check_xy
from .._options import check_int, check_rng, is_int

__all__ = ["select_classes", "stratified_subset", "train_val_split"]


def _check_classes(func: str, classes, num_classes: int) -> tuple[int, ...]:
    expected = f"integers in 0..{num_classes - 1}"
    if isinstance(classes, (str, bytes)) or not hasattr(classes, "__iter__"):
        raise TypeError(f"{func}: expected classes to be a list of {expected}, e.g. [0, 1, 2], "
                        f"got {classes!r}")
    items = list(classes)
    if not items:
        raise ValueError(f"{func}: expected classes to name at least one class ({expected}), got []")
    bad = [c for c in items if not is_int(c) or not 0 <= int(c) < num_classes]
    if bad:
        raise ValueError(f"{func}: expected classes to be {expected}, got {bad}")
    items = [int(c) for c in items]
    if len(set(items)) != len(items):
        raise ValueError(f"{func}: expected classes without repeats, got {items}")
    return tuple(items)


def _select_classes(func, x, y, classes, relabel, num_classes):
    kept = _check_classes(func, classes, num_classes)
    mask = np.isin(y, kept)
    x_sel, y_sel = x[mask], y[mask]
    if relabel:
        lookup = np.full(num_classes, -1, dtype=np.int64)
        lookup[list(kept)] = np.arange(len(kept))
        y_sel = lookup[y_sel].astype(y.dtype, copy=False)
    return x_sel, y_sel, kept


def select_classes(x, y, classes, *, relabel: bool = False, num_classes: int = 10):
    """Keep only the examples whose label is in ``classes``.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, ...)
    y : numpy.ndarray, shape (N,), integer labels in 0..num_classes-1
    classes : sequence of int
        e.g. ``[0, 1, 2]``.
    relabel : bool
        If True, label ``classes[i]`` becomes ``i`` (so ``[3, 5]`` gives
        labels 0 and 1); otherwise labels keep their values.
    num_classes : int
        Number of classes in ``y``.

    Returns
    -------
    x_sel : numpy.ndarray, shape (M, ...)
    y_sel : numpy.ndarray, shape (M,)
        In the original order.
    """
    check_xy("select_classes", x, y)
    x_sel, y_sel, _ = _select_classes("select_classes", x, y, classes, relabel, num_classes)
    return x_sel, y_sel


def _stratified_indices(func, y, n, rng, what="examples"):
    classes, counts = np.unique(y, return_counts=True)
    k = len(classes)
    if n > y.shape[0]:
        raise ValueError(f"{func}: asked for {n} {what}, only {y.shape[0]} are available")
    quota = np.full(k, n // k)
    quota[: n % k] += 1
    short = [(int(c), int(q), int(have))
             for c, q, have in zip(classes, quota, counts, strict=True) if q > have]
    if short:
        c, q, have = short[0]
        raise ValueError(f"{func}: a stratified subset of {n} {what} needs {q} of class {c}, "
                         f"only {have} are available")
    chosen = []
    for c, q in zip(classes, quota, strict=True):
        idx = np.flatnonzero(y == c)
        chosen.append(idx[:q] if rng is None else rng.choice(idx, size=int(q), replace=False))
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.intp)


def stratified_subset(x, y, n: int, rng=None):
    """``n`` examples with the classes as equally represented as possible.

    Each class present in ``y`` gets ``n // k`` examples (``k`` classes); the
    first ``n % k`` classes, in sorted order, get one more.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, ...)
    y : numpy.ndarray, shape (N,)
    n : int
        Number of examples to keep.
    rng : numpy.random.Generator, optional
        Chooses the examples of each class at random; without it, the first
        ones in file order are taken.

    Returns
    -------
    x_sub : numpy.ndarray, shape (n, ...)
    y_sub : numpy.ndarray, shape (n,)
        In the original order.
    """
    func = "stratified_subset"
    check_xy(func, x, y)
    n = check_int(func, "n", n, low=1)
    rng = check_rng(func, rng, optional=True)
    idx = _stratified_indices(func, y, n, rng)
    return x[idx], y[idx]


def _check_val_size(func, val_size):
    """``val_size``: a count, an int >= 0, or a fraction, a float strictly between 0 and 1."""
    if is_int(val_size):
        check_int(func, "val_size", val_size, low=0)
    elif isinstance(val_size, (float, np.floating)):
        if not 0.0 < val_size < 1.0:
            raise ValueError(f"{func}: expected val_size as a fraction in (0, 1), got {val_size}")
    else:
        raise TypeError(f"{func}: expected val_size to be a number of examples (int) or a fraction "
                        f"(float in (0, 1)), got {val_size!r}")
    return val_size


def _val_count(func, val_size, n_total) -> int:
    _check_val_size(func, val_size)
    v = int(val_size) if is_int(val_size) else max(1, int(round(float(val_size) * n_total)))
    if v >= n_total and v > 0:
        raise ValueError(f"{func}: val_size={val_size} leaves no training examples "
                         f"({n_total} available)")
    return v


def _split_indices(func, n_total, val_size, rng):
    v = _val_count(func, val_size, n_total)
    if rng is None:  # a fixed choice: the last v examples
        return np.arange(n_total - v), np.arange(n_total - v, n_total)
    order = rng.permutation(n_total)
    return np.sort(order[v:]), np.sort(order[:v])


def train_val_split(x, y, val_size, rng=None):
    """Carve a validation set out of training data.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, ...)
    y : numpy.ndarray, shape (N,)
    val_size : int or float
        Number of validation examples, or a fraction of N (e.g. ``0.1``).
    rng : numpy.random.Generator, optional
        Chooses the validation examples at random (same seed, same split);
        without it the last ``val_size`` examples are used.

    Returns
    -------
    x_train : numpy.ndarray, shape (N - V, ...)
    y_train : numpy.ndarray, shape (N - V,)
    x_val : numpy.ndarray, shape (V, ...)
    y_val : numpy.ndarray, shape (V,)
        Both parts keep the original order.
    """
    func = "train_val_split"
    check_xy(func, x, y)
    rng = check_rng(func, rng, optional=True)
    train_idx, val_idx = _split_indices(func, y.shape[0], val_size, rng)
    return x[train_idx], y[train_idx], x[val_idx], y[val_idx]
