"""RandomShift: each image moved by its own seeded offset, zeros filling in, inputs untouched."""

import numpy as np
import pytest

from cnnlab.datasets import RandomShift


def shift_one(image, dy, dx):
    """The definition, by loops: out[i, j] = image[i - dy, j - dx] inside the frame, else 0."""
    h, w = image.shape[-2:]
    out = np.zeros_like(image)
    for i in range(h):
        for j in range(w):
            if 0 <= i - dy < h and 0 <= j - dx < w:
                out[..., i, j] = image[..., i - dy, j - dx]
    return out


@pytest.mark.parametrize("max_shift", [1, 2, 3])
def test_each_image_is_its_own_shift_of_the_input(max_shift):
    rng = np.random.default_rng(0)
    x = rng.random((40, 2, 7, 6))
    before = x.copy()
    out = RandomShift(max_shift)(x, np.random.default_rng(1))
    assert np.array_equal(x, before), "the input was modified"
    assert out.shape == x.shape and out.dtype == x.dtype and not np.shares_memory(out, x)
    offsets = np.random.default_rng(1).integers(-max_shift, max_shift + 1, size=(2, len(x)))
    for n in range(len(x)):
        assert np.array_equal(out[n], shift_one(x[n], offsets[0, n], offsets[1, n])), n
    assert len({tuple(o) for o in offsets.T}) > 1, "the images should not all move alike"


def test_same_seed_same_images_and_zero_is_the_identity():
    x = np.random.default_rng(2).random((16, 1, 28, 28)).astype(np.float32)
    a = RandomShift(2)(x, np.random.default_rng(5))
    b = RandomShift(2)(x, np.random.default_rng(5))
    assert np.array_equal(a, b) and a.dtype == np.float32
    assert np.array_equal(RandomShift(0)(x, np.random.default_rng(5)), x)
    assert repr(RandomShift(2)) == "RandomShift(max_shift=2)"


@pytest.mark.parametrize("make, error, message", [
    (lambda: RandomShift(-1), ValueError, r"RandomShift: expected max_shift >= 0, got -1"),
    (lambda: RandomShift(1.5), TypeError, r"RandomShift: expected max_shift to be an int"),
    (lambda: RandomShift(1)(np.zeros((2, 28, 28)), np.random.default_rng(0)), ValueError,
     r"RandomShift: expected x of shape \(N, C, H, W\), got shape \(2, 28, 28\)"),
    (lambda: RandomShift(1)(np.zeros((2, 1, 4, 4), dtype=np.uint8), np.random.default_rng(0)),
     TypeError, r"RandomShift: .*float"),
    (lambda: RandomShift(1)(np.zeros((2, 1, 4, 4)), 0), TypeError,
     r"RandomShift: expected rng to be a numpy.random.Generator"),
])
def test_bad_input(make, error, message):
    with pytest.raises(error, match=message):
        make()
