"""Mini-batches: one pass over the data per epoch, in a fresh random order.

Each epoch draws one permutation of ``0..N-1`` from the ``rng`` passed in and
cuts it into batches, so every example is seen exactly once per epoch
(sampling without replacement), and the same seed gives the same batches.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .._checks import check_xy
from .._options import check_bool, check_int, check_rng

__all__ = ["iterate_minibatches", "count_minibatches"]


def count_minibatches(n: int, batch_size: int, drop_last: bool = False) -> int:
    """Number of batches :func:`iterate_minibatches` yields for ``n`` examples.

    ``ceil(n / batch_size)``, or ``n // batch_size`` with ``drop_last=True``.
    """
    func = "count_minibatches"
    n = check_int(func, "n", n, low=0)
    batch_size = check_int(func, "batch_size", batch_size, low=1)
    check_bool(func, "drop_last", drop_last)
    return n // batch_size if drop_last else -(-n // batch_size)


def iterate_minibatches(x: np.ndarray, y: np.ndarray, batch_size: int, rng=None,
                        shuffle: bool = True,
                        drop_last: bool = False) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(x_batch, y_batch)`` pairs covering one epoch.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, ...)
        e.g. images ``(N, 1, 28, 28)``.
    y : numpy.ndarray, shape (N,)
        Labels.
    batch_size : int
        Examples per batch, B >= 1.
    rng : numpy.random.Generator, optional
        Draws the epoch's order; required when ``shuffle=True``.
    shuffle : bool
        Visit the examples in a random order (a permutation: each exactly
        once). With False, the file order.
    drop_last : bool
        The last batch has ``N % B`` examples when B does not divide N: with
        False (default) it is yielded as a smaller batch, with True it is
        skipped.

    Yields
    ------
    x_batch : numpy.ndarray, shape (B, ...) (the last may be smaller)
    y_batch : numpy.ndarray, shape (B,)
        New arrays (copies), so changing a batch never changes ``x`` or ``y``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)                        # doctest: +SKIP
    >>> for epoch in range(num_epochs):                        # doctest: +SKIP
    ...     for xb, yb in iterate_minibatches(x, y, 64, rng):
    ...         ...
    """
    func = "iterate_minibatches"
    check_xy(func, x, y)
    batch_size = check_int(func, "batch_size", batch_size, low=1)
    shuffle = check_bool(func, "shuffle", shuffle)
    drop_last = check_bool(func, "drop_last", drop_last)
    rng = check_rng(func, rng, optional=True, required_for="shuffle=True" if shuffle else None)
    n = x.shape[0]
    # Checks run now, not at the first next(): build the generator separately.
    order = rng.permutation(n) if shuffle else np.arange(n)
    return _batches(x, y, order, int(batch_size), drop_last)


def _batches(x, y, order, batch_size, drop_last):
    n = order.shape[0]
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        idx = order[start:start + batch_size]
        yield x[idx], y[idx]
