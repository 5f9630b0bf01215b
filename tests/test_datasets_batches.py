"""iterate_minibatches: each epoch a permutation, the last batch explicit, seeds repeat."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlab.datasets import count_minibatches, iterate_minibatches


def data(n: int):
    x = np.arange(n * 3, dtype=np.float64).reshape(n, 3)
    return x, np.arange(n)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 50), batch_size=st.integers(1, 20), drop_last=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_one_epoch_sees_every_example_once(n, batch_size, drop_last, seed):
    x, y = data(n)
    batches = list(iterate_minibatches(x, y, batch_size, np.random.default_rng(seed),
                                       drop_last=drop_last))
    assert len(batches) == count_minibatches(n, batch_size, drop_last)
    sizes = [len(yb) for _, yb in batches]
    full, rest = divmod(n, batch_size)
    assert sizes == [batch_size] * full + ([] if drop_last or rest == 0 else [rest])
    seen = np.concatenate([yb for _, yb in batches]) if batches else np.zeros(0, int)
    assert len(set(seen.tolist())) == len(seen)  # without replacement
    if not drop_last:
        assert sorted(seen.tolist()) == list(range(n))
    for xb, yb in batches:  # x and y stay paired
        np.testing.assert_array_equal(xb, x[yb])


def test_same_seed_same_batches_and_epochs_differ():
    x, y = data(100)
    a = [yb for _, yb in iterate_minibatches(x, y, 32, np.random.default_rng(5))]
    b = [yb for _, yb in iterate_minibatches(x, y, 32, np.random.default_rng(5))]
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    rng = np.random.default_rng(5)
    epoch1 = np.concatenate([yb for _, yb in iterate_minibatches(x, y, 32, rng)])
    epoch2 = np.concatenate([yb for _, yb in iterate_minibatches(x, y, 32, rng)])
    assert not np.array_equal(epoch1, epoch2)
    assert sorted(epoch1) == sorted(epoch2) == list(range(100))


def test_no_shuffle_keeps_order_and_needs_no_rng():
    x, y = data(10)
    got = [yb.tolist() for _, yb in iterate_minibatches(x, y, 4, shuffle=False)]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    got = [yb.tolist() for _, yb in iterate_minibatches(x, y, 4, shuffle=False, drop_last=True)]
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_batches_are_copies():
    x, y = data(8)
    x0 = x.copy()
    for xb, _ in iterate_minibatches(x, y, 3, shuffle=False):
        xb[...] = -1
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("kwargs,exc,start", [
    (dict(batch_size=0), ValueError, "iterate_minibatches: expected batch_size >= 1, got 0"),
    (dict(batch_size=2.0), TypeError, "iterate_minibatches: expected batch_size to be an int, got 2.0"),
    (dict(rng=None), ValueError, "iterate_minibatches: shuffle=True needs rng="),
    (dict(rng=0), TypeError, "iterate_minibatches: expected rng to be a numpy.random.Generator"),
    (dict(shuffle="yes"), TypeError, "iterate_minibatches: expected shuffle to be True or False"),
])
def test_bad_arguments_raise_at_the_call(kwargs, exc, start):
    x, y = data(5)
    args = dict(batch_size=2, rng=np.random.default_rng(0)) | kwargs
    with pytest.raises(exc) as info:
        iterate_minibatches(x, y, **args)  # raises before the first next()
    assert str(info.value).startswith(start)


def test_mismatched_lengths_are_refused():
    x, _ = data(5)
    with pytest.raises(ValueError, match="^iterate_minibatches: expected x of shape \\(N, ...\\) and y of shape \\(N,\\) with the same N"):
        iterate_minibatches(x, np.arange(4), 2, np.random.default_rng(0))
