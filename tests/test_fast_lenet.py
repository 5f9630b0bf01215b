"""The fast path (``LeNet5(..., fast=True)``, :mod:`cnnlab.fast`) against the reference layers.

The fast model must be the reference model computed differently: same
parameter names and state dict, and in float64 the same output, input gradient,
parameter gradients and running statistics to 1e-10, for every option.
"""

import itertools

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab import fast
from cnnlab.gradcheck import check_layer
from cnnlab.models import LeNet5

from conftest import distinct_values

TOL64 = 1e-10
OPTIONS = [dict(activation=a, pooling=p, batchnorm=bn, dropout=d)
           for a, p, bn, d in itertools.product(["relu", "tanh", "sigmoid"], ["max", "avg"],
                                                [False, True], [0.0, 0.3])]


def option_id(options):
    return "-".join(f"{k}={v}" for k, v in options.items())


def twin_models(seed=0, dtype=np.float64, **options):
    """A reference and a fast LeNet5 with the same weights and the same dropout generator
    state; the reference's biases are made non-zero (so that the fused conv + bias +
    ReLU + max-pool stage is really exercised) and reach the fast model by state dict."""
    reference = LeNet5(rng=np.random.default_rng(seed), dtype=dtype, **options)
    bias_rng = np.random.default_rng(seed + 100)
    for name, value in reference.named_params().items():
        if name.endswith((".b", ".beta", ".gamma")):
            value += (0.1 * bias_rng.standard_normal(value.shape)).astype(dtype)
    fast_model = LeNet5(rng=np.random.default_rng(seed), dtype=dtype, fast=True, **options)
    fast_model.load_state_dict(reference.state_dict())
    return reference, fast_model


def run(model, x, dout):
    """Forward and backward once; return copies of everything a step produces."""
    out = model.forward(x).copy()
    dx = model.backward(dout)
    dx = None if dx is None else dx.copy()
    grads = {k: v.copy() for k, v in model.named_grads().items()}
    buffers = {k: v.copy() for k, v in model.named_buffers().items()}
    return out, dx, grads, buffers


def assert_same_step(reference, fast_model, x, dout, tol):
    out_r, dx_r, grads_r, buffers_r = run(reference, x, dout)
    out_f, dx_f, grads_f, buffers_f = run(fast_model, x, dout)
    assert out_f.shape == out_r.shape == (x.shape[0], 10)
    assert dx_f.shape == dx_r.shape == x.shape
    np.testing.assert_allclose(out_f, out_r, rtol=0, atol=tol, err_msg="output")
    np.testing.assert_allclose(dx_f, dx_r, rtol=0, atol=tol, err_msg="dx")
    assert grads_f.keys() == grads_r.keys()
    for name in grads_r:
        np.testing.assert_allclose(grads_f[name], grads_r[name], rtol=0, atol=tol, err_msg=name)
    for name in buffers_r:
        np.testing.assert_allclose(buffers_f[name], buffers_r[name], rtol=0, atol=tol, err_msg=name)


@pytest.mark.parametrize("options", OPTIONS, ids=option_id)
def test_every_option_matches_the_reference_in_float64(options):
    reference, fast_model = twin_models(**options)
    rng = np.random.default_rng(1)
    for _ in range(2):  # two batches in a row: running statistics and dropout masks move on alike
        x, dout = rng.standard_normal((3, 1, 28, 28)), rng.standard_normal((3, 10))
        assert_same_step(reference, fast_model, x, dout, TOL64)
    reference.eval()
    fast_model.eval()
    assert_same_step(reference, fast_model, x, dout, TOL64)


@pytest.mark.parametrize("variant", ["modern", "classic"])
@pytest.mark.parametrize("batch_size", [1, 3, 64])
@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.slow
def test_variants_match_the_reference_across_batch_sizes_and_seeds(variant, batch_size, seed):
    reference, fast_model = twin_models(seed=seed, variant=variant)
    rng = np.random.default_rng(seed + 10)
    for _ in range(2):
        x = rng.random((batch_size, 1, 28, 28))
        dout = rng.standard_normal((batch_size, 10))
        assert_same_step(reference, fast_model, x, dout, TOL64)


def test_ties_in_max_pooling_go_to_the_first_maximum_as_in_the_reference():
    # Blank image regions make every conv1 output in a window equal to its bias:
    # the gradient must go to one pixel per window (the first), not to all four.
    reference, fast_model = twin_models()
    rng = np.random.default_rng(3)
    x = np.zeros((4, 1, 28, 28))
    x[:, :, 10:18, 8:20] = rng.random((4, 1, 8, 12))
    assert_same_step(reference, fast_model, x, rng.standard_normal((4, 10)), TOL64)


def test_float32_matches_the_reference_to_rounding():
    reference, fast_model = twin_models(dtype=np.float32)
    rng = np.random.default_rng(4)
    x = rng.random((16, 1, 28, 28), dtype=np.float32)
    dout = rng.standard_normal((16, 10)).astype(np.float32)
    out_r, dx_r, grads_r, _ = run(reference, x, dout)
    out_f, dx_f, grads_f, _ = run(fast_model, x, dout)
    assert out_f.dtype == dx_f.dtype == np.float32
    np.testing.assert_allclose(out_f, out_r, rtol=1e-4, atol=1e-4 * np.abs(out_r).max())
    np.testing.assert_allclose(dx_f, dx_r, rtol=1e-4, atol=1e-4 * np.abs(dx_r).max())
    for name in grads_r:
        assert grads_f[name].dtype == np.float32, name
        np.testing.assert_allclose(grads_f[name], grads_r[name], rtol=1e-3,
                                   atol=1e-4 * np.abs(grads_r[name]).max(), err_msg=name)


def test_a_few_sgd_steps_end_with_the_same_weights():
    reference, fast_model = twin_models()
    rng = np.random.default_rng(5)
    for _ in range(3):
        x, dout = rng.random((8, 1, 28, 28)), rng.standard_normal((8, 10))
        for model in (reference, fast_model):
            model.forward(x)
            model.backward(dout)
            for name, p in model.named_params().items():
                p -= 0.1 * model.named_grads()[name]
    for name, p in reference.named_params().items():
        np.testing.assert_allclose(fast_model.named_params()[name], p, rtol=0, atol=TOL64, err_msg=name)


@pytest.mark.parametrize("options", [dict(), dict(variant="classic", batchnorm=True, dropout=0.2)],
                         ids=["modern", "classic-bn-dropout"])
def test_gradient_check_of_the_fast_model(options):
    _, fast_model = twin_models(**options)
    x = np.random.default_rng(6).random((2, 1, 28, 28))
    report = check_layer(fast_model, x, num_checks=6, threshold=1e-6)
    assert report.passed, str(report)
    assert {c.name for c in report.checks} == {"x", *fast_model.named_params()}


@pytest.mark.parametrize("options", [dict(), dict(batchnorm=True)], ids=["modern", "batchnorm"])
def test_state_dicts_move_both_ways(options):
    reference = LeNet5(rng=np.random.default_rng(0), **options)
    fast_model = LeNet5(rng=np.random.default_rng(1), fast=True, **options)
    assert list(fast_model.state_dict()) == list(reference.state_dict())
    assert list(fast_model.named_params()) == list(reference.named_params())
    for name, value in reference.state_dict().items():
        assert fast_model.state_dict()[name].shape == value.shape, name
    x = np.random.default_rng(2).random((5, 1, 28, 28), dtype=np.float32)
    fast_model.load_state_dict(reference.state_dict())
    np.testing.assert_allclose(fast_model.forward(x), reference.forward(x), rtol=1e-4, atol=1e-5)
    other = LeNet5(rng=np.random.default_rng(3), **options)
    other.load_state_dict(fast_model.state_dict())
    np.testing.assert_allclose(other.forward(x), fast_model.forward(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("options", [dict(), dict(variant="classic"), dict(batchnorm=True, dropout=0.3)],
                         ids=["modern", "classic", "batchnorm-dropout"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_no_input_or_upstream_gradient_is_modified(options, mode):
    _, fast_model = twin_models(**options)
    fast_model.train(mode == "train")
    rng = np.random.default_rng(7)
    x, dout = rng.random((3, 1, 28, 28)), rng.standard_normal((3, 10))
    x_before, dout_before = x.copy(), dout.copy()
    fast_model.forward(x)
    fast_model.backward(dout)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)


def test_what_a_step_returns_is_not_overwritten_by_the_next():
    _, fast_model = twin_models()
    rng = np.random.default_rng(8)
    x1, x2 = rng.random((2, 4, 1, 28, 28))
    dout1, dout2 = rng.standard_normal((2, 4, 10))
    out1 = fast_model.forward(x1)
    dx1 = fast_model.backward(dout1)
    grads1 = fast_model.named_grads()
    saved = out1.copy(), dx1.copy(), {k: v.copy() for k, v in grads1.items()}
    fast_model.forward(x2)
    fast_model.backward(dout2)
    np.testing.assert_array_equal(out1, saved[0])
    np.testing.assert_array_equal(dx1, saved[1])
    for name, value in grads1.items():
        np.testing.assert_array_equal(value, saved[2][name], err_msg=name)
    assert not np.shares_memory(dx1, x1) and not np.shares_memory(out1, x1)


def test_input_grad_false_skips_dx_and_keeps_the_parameter_gradients():
    _, fast_model = twin_models()
    rng = np.random.default_rng(9)
    x, dout = rng.random((3, 1, 28, 28)), rng.standard_normal((3, 10))
    _, dx, grads, _ = run(fast_model, x, dout)
    fast_model.forward(x)
    assert fast_model.backward(dout, input_grad=False) is None
    for name, value in fast_model.named_grads().items():
        np.testing.assert_array_equal(value, grads[name], err_msg=name)
    assert dx is not None


def test_backward_needs_a_forward_first():
    _, fast_model = twin_models()
    with pytest.raises(RuntimeError, match="forward"):
        fast_model.backward(np.zeros((2, 10)))
    fast_model.forward(np.zeros((2, 1, 28, 28)))
    fast_model.astype(np.float32)  # converted parameters: the old caches are gone
    with pytest.raises(RuntimeError, match="forward"):
        fast_model.backward(np.zeros((2, 10), dtype=np.float32))


BAD_INPUTS = {
    "32x32": np.zeros((2, 1, 32, 32)), "20x20": np.zeros((2, 1, 20, 20)), "27x27": np.zeros((2, 1, 27, 27)),
    "28x30": np.zeros((2, 1, 28, 30)), "8x8": np.zeros((2, 1, 8, 8)), "no channel axis": np.zeros((1, 28, 28)),
    "3 channels": np.zeros((2, 3, 28, 28)), "uint8": np.zeros((2, 1, 28, 28), dtype=np.uint8),
    "a list": np.zeros((2, 1, 28, 28)).tolist(),
}
BAD_DOUTS = {"(2, 9)": np.zeros((2, 9)), "(3, 10)": np.zeros((3, 10)), "(2, 10, 1)": np.zeros((2, 10, 1)),
             "(0, 10)": np.zeros((0, 10)), "int": np.zeros((2, 10), dtype=int), "a list": [[0.0] * 10] * 2}


def assert_same_error(reference_call, fast_call):
    """Both calls raise the same exception type with the same one-line message, not numpy's."""
    with pytest.raises((TypeError, ValueError)) as expected:
        reference_call()
    message = str(expected.value)
    assert "\n" not in message and "matmul" not in message and "reshape" not in message, message
    with pytest.raises(expected.type) as got:
        fast_call()
    assert str(got.value) == message


@pytest.mark.parametrize("options", [dict(), dict(variant="classic"), dict(batchnorm=True)],
                         ids=["modern", "classic", "batchnorm"])
@pytest.mark.parametrize("bad", BAD_INPUTS)
def test_a_bad_input_gets_the_reference_layers_message(options, bad):
    reference, fast_model = twin_models(**options)
    assert_same_error(lambda: reference.forward(BAD_INPUTS[bad]), lambda: fast_model.forward(BAD_INPUTS[bad]))


@pytest.mark.parametrize("bad", BAD_DOUTS)
def test_a_bad_upstream_gradient_gets_the_reference_layers_message(bad):
    reference, fast_model = twin_models()
    x = np.random.default_rng(15).random((2, 1, 28, 28))
    reference.forward(x)
    fast_model.forward(x)
    assert_same_error(lambda: reference.backward(BAD_DOUTS[bad]), lambda: fast_model.backward(BAD_DOUTS[bad]))


def test_the_messages_for_a_wrong_image_size_say_what_to_fix():
    _, fast_model = twin_models()
    with pytest.raises(ValueError, match=r"^linear: expected each example of x to hold D = w.shape\[0\] = 400 "
                                         r"numbers, got x of shape \(2, 576\) \(576 numbers per example\)$"):
        fast_model.forward(BAD_INPUTS["32x32"])
    with pytest.raises(ValueError, match=r"^linear: expected dout \(same as the forward output\) of shape "
                                         r"\(2, 10\), got shape \(2, 9\)$"):
        fast_model.forward(np.zeros((2, 1, 28, 28)))
        fast_model.backward(BAD_DOUTS["(2, 9)"])


def test_summary_and_repr_work_on_the_fast_model():
    model = LeNet5(rng=np.random.default_rng(0), fast=True)
    table = model.summary(print_fn=None)
    assert "(1, 16, 5, 5)" in table and "61,706" in table
    assert "fast=True" in repr(model)


# -- the kernels against the reference functions ------------------------------------------------
@pytest.mark.parametrize("shape, filters, kernel, pad", [((2, 1, 8, 8), 3, 3, 1), ((3, 2, 7, 9), 4, 5, 0),
                                                         ((1, 3, 6, 6), 2, 2, 2)])
def test_conv_kernels_match_the_reference_convolution(shape, filters, kernel, pad):
    rng = np.random.default_rng(10)
    x = rng.standard_normal(shape)
    w, b = rng.standard_normal((filters, shape[1], kernel, kernel)), rng.standard_normal(filters)
    out_ref, cache = F.conv2d_forward(x, w, b, 1, pad)
    dout = rng.standard_normal(out_ref.shape)
    grads = F.conv2d_backward(dout, cache)
    x_pad = fast.nchw_to_chwn(x, pad)
    out, fast_cache = fast.conv2d_forward_chwn(x_pad, w, b)
    np.testing.assert_allclose(out.transpose(3, 0, 1, 2), out_ref, rtol=0, atol=TOL64)
    dx_pad, dw = fast.conv2d_backward_chwn(np.ascontiguousarray(dout.transpose(1, 2, 3, 0)), fast_cache)
    np.testing.assert_allclose(fast.chwn_to_nchw(dx_pad, pad), grads.dx, rtol=0, atol=TOL64)
    np.testing.assert_allclose(dw, grads.dw, rtol=0, atol=TOL64)


def test_col2im_is_the_adjoint_of_im2col():
    # <im2col(x), D> = <x, col2im(D)> for every x and D: the defining property
    rng = np.random.default_rng(13)
    x_pad = rng.standard_normal((2, 7, 8, 3))
    cols = fast.im2col_chwn(x_pad, 3, 4)
    d = rng.standard_normal(cols.shape)
    np.testing.assert_allclose(np.sum(cols * d), np.sum(x_pad * fast.col2im_chwn(d, x_pad.shape, 3, 4)),
                               rtol=1e-12)


@pytest.mark.parametrize("chunk", [64, 200, 4096])
def test_skinny_kernels_unrolled_piece_by_piece_match_the_reference(monkeypatch, chunk):
    # conv1 (25 taps) is unrolled in pieces of at most CHUNK columns: whole output
    # rows when a row fits (28 * 3 = 84 columns per output row here), else parts of rows
    monkeypatch.setattr(fast.conv, "CHUNK", chunk)
    reference, fast_model = twin_models()
    rng = np.random.default_rng(14)
    assert_same_step(reference, fast_model, rng.random((3, 1, 28, 28)), rng.standard_normal((3, 10)), TOL64)


@pytest.mark.parametrize("k", [2, 3])
def test_max_pool_kernels_match_the_reference_with_and_without_ties(k):
    rng = np.random.default_rng(11)
    distinct = distinct_values(rng, (2, 3, 6 * k // 2, 6))[:, :, :3 * k, :3 * k]
    tied = np.round(rng.standard_normal((2, 3, 3 * k, 3 * k)))  # many equal values per window
    for x in (distinct, tied):
        out_ref, cache = F.max_pool_forward(x, k)
        dout = rng.standard_normal(out_ref.shape)
        x_chwn = np.ascontiguousarray(x.transpose(1, 2, 3, 0))
        out, fast_cache = fast.max_pool_forward_chwn(x_chwn, k)
        np.testing.assert_array_equal(out.transpose(3, 0, 1, 2), out_ref)
        dx = fast.max_pool_backward_chwn(np.ascontiguousarray(dout.transpose(1, 2, 3, 0)), fast_cache)
        np.testing.assert_array_equal(dx.transpose(3, 0, 1, 2), F.max_pool_backward(dout, cache).dx)


def test_layout_round_trip_copies_even_for_one_example():
    x = np.random.default_rng(12).standard_normal((1, 2, 4, 5))
    padded = fast.nchw_to_chwn(x, 2)
    assert padded.shape == (2, 8, 9, 1) and padded.flags.c_contiguous
    assert not padded[:, :2].any() and not padded[:, :, -2:].any()
    back = fast.chwn_to_nchw(padded, 2)
    np.testing.assert_array_equal(back, x)
    assert not np.shares_memory(back, padded) and back.flags.c_contiguous
