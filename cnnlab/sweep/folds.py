"""Stratified k-fold cross-validation: which examples validate in which fold.

Each of the ``k`` folds holds out about ``N / k`` examples for validation and
trains on the rest; every example is held out exactly once. *Stratified*: each
class is spread over the folds as evenly as possible, so every fold's
validation set has (to one example) the class proportions of the whole set.

How: list the examples class by class (in a random order within each class,
drawn from ``rng``), then deal them out to the folds like cards,
``fold = position % k``. Each class then gives every fold ``floor(n_c / k)``
or ``ceil(n_c / k)`` examples, and the fold sizes differ by at most one.
"""

from __future__ import annotations

import numpy as np

from .._checks import shape_str
from .._options import check_int

__all__ = ["assign_folds", "kfold_indices"]


def _check_labels(func, y):
    if not isinstance(y, np.ndarray) or y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{func}: expected y to be integer labels of shape (N,), got "
                        f"{type(y).__name__} {shape_str(getattr(y, 'shape', ()))} "
                        f"{getattr(y, 'dtype', '')}".rstrip())


def assign_folds(y, n_folds: int, *, rng=None) -> np.ndarray:
    """The validation fold of every example, stratified by class.

    Parameters
    ----------
    y : numpy.ndarray, shape (N,), integer labels
    n_folds : int, 2 <= n_folds <= N
        Number of folds k.
    rng : numpy.random.Generator, optional
        Shuffles the examples of each class before they are dealt out (same
        seed, same folds). Without it, each class is dealt in file order: a
        fixed, documented choice.

    Returns
    -------
    fold : numpy.ndarray, shape (N,), int64
        ``fold[i]`` in ``0..k-1`` is the fold in which example ``i`` is
        held out. Every fold has ``N // k`` or ``N // k + 1`` examples, and
        every class ``c`` puts ``n_c // k`` or ``n_c // k + 1`` in each.
        A class with fewer than ``k`` examples is missing from some folds.

    Raises
    ------
    ValueError
        ``n_folds < 2`` or more folds than examples.
    """
    func = "assign_folds"
    _check_labels(func, y)
    n_folds = check_int(func, "n_folds", n_folds, low=2)
    if n_folds > y.shape[0]:
        raise ValueError(f"{func}: n_folds={n_folds} folds need at least {n_folds} examples, "
                         f"got {y.shape[0]}")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"{func}: expected rng to be None or a numpy.random.Generator, e.g. "
                        f"np.random.default_rng(0), got {type(rng).__name__}")
    order = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        order.append(members if rng is None else rng.permutation(members))
    order = np.concatenate(order)
    fold = np.empty(y.shape[0], dtype=np.int64)
    fold[order] = np.arange(y.shape[0]) % n_folds
    return fold


def kfold_indices(y, n_folds: int = 5, *, rng=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold splits: ``(train_idx, val_idx)`` for each fold.

    Parameters
    ----------
    y : numpy.ndarray, shape (N,), integer labels
    n_folds : int, 2 <= n_folds <= N
    rng : numpy.random.Generator, optional
        See :func:`assign_folds`.

    Returns
    -------
    folds : list of n_folds pairs
        ``train_idx`` (N - V_f,) and ``val_idx`` (V_f,), int64, each sorted.
        The ``val_idx`` are disjoint and together cover ``0..N-1``; each
        ``train_idx`` is the complement of its ``val_idx``.

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 1, 1])
    >>> [val.tolist() for _, val in kfold_indices(y, 3)]
    [[0, 3], [1, 4], [2, 5]]
    """
    fold = assign_folds(y, n_folds, rng=rng)
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(n_folds)]
