"""Inverted dropout: seeded, unbiased, identity in eval mode."""

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab.layers import Dropout


def test_same_seed_same_mask():
    x = np.ones((4, 100))
    out_a, _ = F.dropout_forward(x, 0.5, rng=np.random.default_rng(7))
    out_b, _ = F.dropout_forward(x, 0.5, rng=np.random.default_rng(7))
    out_c, _ = F.dropout_forward(x, 0.5, rng=np.random.default_rng(8))
    np.testing.assert_array_equal(out_a, out_b)
    assert not np.array_equal(out_a, out_c)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_inverted_scaling_keeps_the_expected_value(p):
    x = np.ones(200_000)
    out, mask = F.dropout_forward(x, p, rng=np.random.default_rng(0))
    assert np.mean(out == 0) == pytest.approx(p, abs=0.005)
    np.testing.assert_allclose(out[out != 0], 1 / (1 - p))
    assert out.mean() == pytest.approx(1, abs=0.02)
    np.testing.assert_array_equal(F.dropout_backward(np.full_like(x, 3.0), mask).dx, 3.0 * mask)


def test_eval_mode_and_p_zero_are_the_identity():
    x = np.random.default_rng(0).standard_normal((3, 4))
    out, cache = F.dropout_forward(x, 0.5, train=False)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(F.dropout_backward(x, cache).dx, x)
    out, _ = F.dropout_forward(x, 0.0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, x)


def test_layer_draws_from_its_generator_only_in_train_mode():
    layer = Dropout(0.5, rng=np.random.default_rng(3))
    x = np.ones((2, 10))
    first = layer.forward(x)
    state = layer.rng.bit_generator.state
    layer.eval()
    np.testing.assert_array_equal(layer.forward(x), x)
    assert layer.rng.bit_generator.state == state
    layer.train()
    assert not np.array_equal(layer.forward(x), first)  # the generator moved on: a new mask
