"""Every forward and backward against PyTorch autograd, in float64, on random shapes.

An optional second opinion next to the finite-difference checks of
test_gradients.py: PyTorch computes each layer independently of cnnlab, so
agreement to ~1e-10 rules out a wrong formula that happens to be
self-consistent (a backward that matches the forward it was derived from, but
not the layer everyone else means). Conventions compared here:

* linear: cnnlab's ``w`` is (D, M), the transpose of ``torch.nn.Linear.weight``;
* conv2d: cross-correlation, NCHW, ``w`` (F, C, KH, KW), same as ``F.conv2d``;
* pooling: max pool pads with -inf, avg pool counts padding
  (``count_include_pad=True``); ties in max pooling are tested in the
  gradient tests, so max-pool inputs here have distinct values;
* batch norm: biased variance to normalise, unbiased for the running variance,
  ``running = (1 - momentum) * running + momentum * batch``;
* dropout: ``p`` drops; the RNGs differ, so the test compares the rule
  (inverted scaling, ``dx = dout * mask``), not the masks.

Needs torch (``make oracle``); without it the module is skipped. Select or
deselect it with ``-m torch`` / ``-m "not torch"``. Example counts are a
quarter of the profile's (15 by default; CNNLAB_HYPOTHESIS_EXAMPLES scales them).
"""

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; `make oracle` installs it for this optional cross-check")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cnnlab import functional as F  # noqa: E402
from cnnlab import layers  # noqa: E402
from conftest import away_from_zero, distinct_values  # noqa: E402
from strategies import conv_case, pool_case, seeds  # noqa: E402

TF = torch.nn.functional

pytestmark = pytest.mark.torch

# Both sides compute in float64 and differ only by rounding (summation order, fused
# operations): a few ulps of the largest intermediate, far below these bounds.
RTOL, ATOL = 1e-10, 1e-12

oracle_settings = settings(max_examples=max(1, settings.default.max_examples // 4))

shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)


# -- helpers ---------------------------------------------------------------------------------

def tensor(a, requires_grad=True):
    """A float64 tensor holding a copy of ``a``."""
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=requires_grad)


def vjp(out, inputs, dout):
    """Autograd's gradients of ``sum(out * dout)`` with respect to ``inputs``, as NumPy arrays."""
    grads = torch.autograd.grad(out, inputs, grad_outputs=tensor(dout, requires_grad=False))
    return [g.numpy() for g in grads]


def assert_close(actual, expected, rtol=RTOL, atol=ATOL):
    """cnnlab's float64 result against torch's (tensor or array): same shape, dtype float64, close."""
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    actual = np.asarray(actual)
    assert actual.dtype == np.float64, f"cnnlab returned {actual.dtype}, expected float64"
    assert actual.shape == np.shape(expected), f"shape {actual.shape} != torch's {np.shape(expected)}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# -- linear, activations, flatten ------------------------------------------------------------

@oracle_settings
@given(seeds, st.integers(1, 4), st.lists(st.integers(1, 4), min_size=1, max_size=3),
       st.integers(1, 5), st.booleans())
def test_linear(seed, n, feature_shape, m, bias):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, *feature_shape))  # rank 2 to 4: flattened per example
    w = rng.standard_normal((int(np.prod(feature_shape)), m))
    b = rng.standard_normal(m) if bias else None
    dout = rng.standard_normal((n, m))

    out, cache = F.linear_forward(x, w, b)
    grads = F.linear_backward(dout, cache)

    x_t, w_t = tensor(x), tensor(w)
    b_t = tensor(b) if bias else None
    out_t = TF.linear(x_t.reshape(n, -1), w_t.T, b_t)  # torch's weight is (M, D) = w.T
    expected = vjp(out_t, [x_t, w_t] + ([b_t] if bias else []), dout)

    assert_close(out, out_t)
    assert_close(grads.dx, expected[0])
    assert_close(grads.dw, expected[1])
    if bias:
        assert_close(grads.db, expected[2])
    else:
        assert grads.db is None


ACTIVATIONS = {
    "relu": (F.relu_forward, F.relu_backward, torch.relu),
    "sigmoid": (F.sigmoid_forward, F.sigmoid_backward, torch.sigmoid),
    "tanh": (F.tanh_forward, F.tanh_backward, torch.tanh),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@oracle_settings
@given(seed=seeds, shape=shapes)
def test_activation(name, seed, shape):
    forward, backward, torch_fn = ACTIVATIONS[name]
    rng = np.random.default_rng(seed)
    x = 4 * rng.standard_normal(shape)  # wide enough to reach sigmoid's and tanh's flat tails
    x.flat[::3] = 0.0  # exact zeros: ReLU's derivative there is 0 in both
    dout = rng.standard_normal(shape)

    out, cache = forward(x)
    x_t = tensor(x)
    out_t = torch_fn(x_t)
    (dx_t,) = vjp(out_t, [x_t], dout)

    assert_close(out, out_t)
    assert_close(backward(dout, cache).dx, dx_t)


@oracle_settings
@given(seeds, shapes)
def test_flatten(seed, shape):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    out, cache = F.flatten_forward(x)
    x_t = tensor(x)
    out_t = torch.flatten(x_t, start_dim=1) if x.ndim > 1 else x_t.reshape(-1, 1)
    dout = rng.standard_normal(out_t.shape)
    (dx_t,) = vjp(out_t, [x_t], dout)

    assert_close(out, out_t)
    assert_close(F.flatten_backward(dout, cache).dx, dx_t)


# -- softmax and the loss --------------------------------------------------------------------

@oracle_settings
@given(seeds, st.integers(1, 5), st.integers(2, 7))
def test_softmax(seed, n, k):
    rng = np.random.default_rng(seed)
    x = 3 * rng.standard_normal((n, k))
    dout = rng.standard_normal((n, k))

    out, cache = F.softmax_forward(x)
    x_t = tensor(x)
    out_t = torch.softmax(x_t, dim=1)
    (dx_t,) = vjp(out_t, [x_t], dout)

    assert_close(out, out_t)
    assert_close(F.softmax_backward(dout, cache).dx, dx_t)
    assert_close(F.softmax_backward_jacobian(dout, cache).dx, dx_t)


@oracle_settings
@given(seeds, st.integers(1, 6), st.integers(2, 7), st.sampled_from(["labels", "one-hot", "soft"]),
       st.floats(0.1, 3.0))
def test_softmax_cross_entropy(seed, n, k, target_kind, dloss):
    rng = np.random.default_rng(seed)
    x = 3 * rng.standard_normal((n, k))
    labels = rng.integers(0, k, size=n)
    if target_kind == "labels":
        y = labels
        y_t = torch.tensor(labels, dtype=torch.int64)  # class indices
    else:
        # torch's cross_entropy reads a float (N, K) target as class probabilities
        y = np.eye(k)[labels] if target_kind == "one-hot" else rng.dirichlet(np.ones(k), size=n)
        y_t = tensor(y, requires_grad=False)

    loss, cache = F.softmax_cross_entropy_forward(x, y)
    dx = F.softmax_cross_entropy_backward(dloss, cache).dx

    x_t = tensor(x)
    loss_t = TF.cross_entropy(x_t, y_t)  # mean over the batch, like cnnlab
    (dx_t,) = vjp(loss_t, [x_t], np.float64(dloss))

    assert np.ndim(loss) == 0
    assert_close(loss, loss_t)
    assert_close(dx, dx_t)


# -- convolution and pooling -----------------------------------------------------------------

@oracle_settings
@given(seeds, conv_case(), st.booleans(), st.booleans())
def test_conv2d(seed, case, bias, naive):
    x_shape, w_shape, stride, pad = case  # rectangular kernels, per-axis stride and pad
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if bias else None
    forward, backward = ((F.conv2d_forward_naive, F.conv2d_backward_naive) if naive
                         else (F.conv2d_forward, F.conv2d_backward))

    out, cache = forward(x, w, b, stride, pad)
    dout = rng.standard_normal(out.shape)
    grads = backward(dout, cache)

    x_t, w_t = tensor(x), tensor(w)
    b_t = tensor(b) if bias else None
    out_t = TF.conv2d(x_t, w_t, b_t, stride=stride, padding=pad)
    expected = vjp(out_t, [x_t, w_t] + ([b_t] if bias else []), dout)

    assert_close(out, out_t)
    assert_close(grads.dx, expected[0])
    assert_close(grads.dw, expected[1])
    if bias:
        assert_close(grads.db, expected[2])
    else:
        assert grads.db is None


@oracle_settings
@given(seeds, pool_case(), st.booleans())
def test_max_pool(seed, case, naive):
    x_shape, kernel, stride, pad = case  # overlapping windows, pad <= kernel // 2
    rng = np.random.default_rng(seed)
    x = distinct_values(rng, x_shape)  # one winner per window: ties are tested elsewhere
    forward, backward = ((F.max_pool_forward_naive, F.max_pool_backward_naive) if naive
                         else (F.max_pool_forward, F.max_pool_backward))

    out, cache = forward(x, kernel, stride, pad)
    dout = rng.standard_normal(out.shape)

    x_t = tensor(x)
    out_t = TF.max_pool2d(x_t, kernel, stride, pad)  # pads with -inf, as cnnlab
    (dx_t,) = vjp(out_t, [x_t], dout)

    assert_close(out, out_t)
    assert_close(backward(dout, cache).dx, dx_t)


@oracle_settings
@given(seeds, pool_case(), st.booleans())
def test_avg_pool(seed, case, naive):
    x_shape, kernel, stride, pad = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    forward, backward = ((F.avg_pool_forward_naive, F.avg_pool_backward_naive) if naive
                         else (F.avg_pool_forward, F.avg_pool_backward))

    out, cache = forward(x, kernel, stride, pad)
    dout = rng.standard_normal(out.shape)

    x_t = tensor(x)
    out_t = TF.avg_pool2d(x_t, kernel, stride, pad, count_include_pad=True)
    (dx_t,) = vjp(out_t, [x_t], dout)

    assert_close(out, out_t)
    assert_close(backward(dout, cache).dx, dx_t)


# -- batch normalisation ---------------------------------------------------------------------

@st.composite
def batchnorm_case(draw):
    """``(x_shape, features)``: (N, D) or (N, C, H, W), at least 2 values per feature."""
    if draw(st.booleans()):
        n, d = draw(st.integers(2, 8)), draw(st.integers(1, 4))
        return (n, d), d
    n, c, h, w = (draw(st.integers(1, 3)) for _ in range(4))
    if n * h * w < 2:
        n = 2
    return (n, c, h, w), c


def batchnorm_data(rng, x_shape, features):
    x = 3 + 2 * rng.standard_normal(x_shape)
    gamma = 1 + 0.5 * rng.standard_normal(features)
    beta = rng.standard_normal(features)
    return x, gamma, beta


@oracle_settings
@given(seeds, batchnorm_case(), st.booleans(), st.booleans(), st.sampled_from([1e-5, 1e-2]))
def test_batchnorm_functional(seed, case, train, graph, eps):
    x_shape, features = case
    rng = np.random.default_rng(seed)
    x, gamma, beta = batchnorm_data(rng, x_shape, features)
    running_mean, running_var = rng.standard_normal(features), rng.uniform(0.5, 2.0, features)
    dout = rng.standard_normal(x_shape)
    forward = F.spatial_batchnorm_forward if len(x_shape) == 4 else F.batchnorm_forward
    backward = F.batchnorm_backward_graph if graph else F.batchnorm_backward

    out, cache = forward(x, gamma, beta, train=train, running_mean=running_mean,
                         running_var=running_var, eps=eps)
    grads = backward(dout, cache)

    x_t, gamma_t, beta_t = tensor(x), tensor(gamma), tensor(beta)
    # torch updates running statistics in place: hand it copies (and none in train mode,
    # where they do not affect the output)
    stats = ((None, None) if train else
             (tensor(running_mean, requires_grad=False), tensor(running_var, requires_grad=False)))
    out_t = TF.batch_norm(x_t, *stats, weight=gamma_t, bias=beta_t, training=train, eps=eps)
    dx_t, dgamma_t, dbeta_t = vjp(out_t, [x_t, gamma_t, beta_t], dout)

    assert_close(out, out_t)
    assert_close(grads.dx, dx_t)
    assert_close(grads.dgamma, dgamma_t)
    assert_close(grads.dbeta, dbeta_t)


@oracle_settings
@given(seeds, batchnorm_case(), st.sampled_from([0.1, 0.5, 0.9, 1.0]), st.sampled_from([1e-5, 1e-2]))
def test_batchnorm_layer_running_stats(seed, case, momentum, eps):
    """Layers, train mode for two steps (output, running statistics), then eval mode
    (output and gradients) against torch.nn.BatchNorm1d/2d with the same momentum."""
    x_shape, features = case
    rng = np.random.default_rng(seed)
    spatial = len(x_shape) == 4
    ours = (layers.BatchNorm2d if spatial else layers.BatchNorm1d)(
        features, momentum=momentum, eps=eps, dtype=np.float64)
    theirs = (torch.nn.BatchNorm2d if spatial else torch.nn.BatchNorm1d)(
        features, momentum=momentum, eps=eps, dtype=torch.float64)
    _, gamma, beta = batchnorm_data(rng, x_shape, features)
    state = {"gamma": gamma, "beta": beta, "running_mean": rng.standard_normal(features),
             "running_var": rng.uniform(0.5, 2.0, features)}
    ours.load_state_dict(state)
    with torch.no_grad():
        for name, value in [("weight", gamma), ("bias", beta), ("running_mean", state["running_mean"]),
                            ("running_var", state["running_var"])]:
            getattr(theirs, name).copy_(torch.from_numpy(value))

    ours.train()
    theirs.train()
    for _ in range(2):
        x = 3 + 2 * rng.standard_normal(x_shape)
        assert_close(ours.forward(x), theirs(tensor(x, requires_grad=False)))
        assert_close(ours.buffers["running_mean"], theirs.running_mean)
        assert_close(ours.buffers["running_var"], theirs.running_var)

    ours.eval()
    theirs.eval()
    x, dout = 3 + 2 * rng.standard_normal(x_shape), rng.standard_normal(x_shape)
    x_t = tensor(x)
    out_t = theirs(x_t)
    dx_t, dgamma_t, dbeta_t = vjp(out_t, [x_t, theirs.weight, theirs.bias], dout)
    assert_close(ours.forward(x), out_t)
    assert_close(ours.backward(dout), dx_t)
    assert_close(ours.grads["gamma"], dgamma_t)
    assert_close(ours.grads["beta"], dbeta_t)
    # eval mode leaves the running statistics alone, in both
    assert_close(ours.buffers["running_var"], theirs.running_var)


# -- dropout -----------------------------------------------------------------------------------

@oracle_settings
@given(seeds, shapes, st.sampled_from([0.0, 0.2, 0.5, 0.8]))
def test_dropout_train_same_rule(seed, shape, p):
    """Same p, same rule: survivors scaled by 1/(1-p), ``dx = dout * mask``.

    The two generators draw different masks, so each side is checked against
    the rule, and cnnlab's backward is fed torch's mask (its cache is exactly
    the scaled mask) to reproduce torch's gradient.
    """
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng.standard_normal(shape))
    dout = rng.standard_normal(shape)
    scale = 1 / (1 - p)

    out, mask = F.dropout_forward(x, p, train=True, rng=np.random.default_rng(seed + 1))
    assert set(np.unique(mask)) <= {0.0, scale}
    assert_close(out, x * mask)
    assert_close(F.dropout_backward(dout, mask).dx, dout * mask)

    torch.manual_seed(seed)
    x_t = tensor(x)
    out_t = TF.dropout(x_t, p, training=True)
    (mask_t,) = torch.autograd.grad(out_t, x_t, torch.ones_like(out_t), retain_graph=True)
    mask_t = mask_t.numpy()  # d out / d x, elementwise: torch's scaled mask
    (dx_t,) = vjp(out_t, [x_t], dout)
    np.testing.assert_allclose(np.unique(mask_t)[np.unique(mask_t) != 0], scale, rtol=1e-15)
    assert_close(x * mask_t, out_t)
    assert_close(F.dropout_backward(dout, mask_t).dx, dx_t)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_drop_rate(p):
    """Both drop a fraction p of the values (within 5 standard deviations)."""
    size = 20_000
    x = np.ones(size)
    _, mask = F.dropout_forward(x, p, train=True, rng=np.random.default_rng(0))
    torch.manual_seed(0)
    out_t = TF.dropout(tensor(x, requires_grad=False), p, training=True).numpy()
    bound = 5 * np.sqrt(p * (1 - p) / size)
    assert abs(np.mean(mask == 0) - p) < bound
    assert abs(np.mean(out_t == 0) - p) < bound


@oracle_settings
@given(seeds, shapes, st.sampled_from([0.0, 0.5, 0.8]))
def test_dropout_eval_is_identity(seed, shape, p):
    rng = np.random.default_rng(seed)
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape)
    out, cache = F.dropout_forward(x, p, train=False)
    x_t = tensor(x)
    out_t = TF.dropout(x_t, p, training=False)
    (dx_t,) = vjp(out_t, [x_t], dout)
    assert_close(out, out_t)
    assert_close(F.dropout_backward(dout, cache).dx, dx_t)
    np.testing.assert_array_equal(out, x)


# -- a whole network ---------------------------------------------------------------------------

@pytest.mark.parametrize("naive", [False, True], ids=["fast", "naive"])
def test_sequential_matches_torch(naive):
    """conv -> relu -> max pool -> flatten -> linear, weights copied into torch:
    output, dx and every parameter gradient."""
    rng = np.random.default_rng(2024)
    n, c, h, w, f, m = 4, 3, 10, 12, 5, 7
    kernel, pad = (3, 5), (1, 2)  # rectangular; "same" size: (10, 12) -> pool -> (5, 6)
    net = layers.Sequential(
        ("conv", layers.Conv2d(c, f, kernel, rng=rng, pad=pad, naive=naive, dtype=np.float64)),
        ("relu", layers.ReLU()),
        ("pool", layers.MaxPool2d(2, naive=naive)),
        ("flatten", layers.Flatten()),
        ("fc", layers.Linear(f * 5 * 6, m, rng=rng, dtype=np.float64)),
    )
    # biases start at zero: give them values, so a wrong db cannot hide
    net["conv"].params["b"][:] = rng.standard_normal(f)
    net["fc"].params["b"][:] = rng.standard_normal(m)

    model = torch.nn.Sequential(
        torch.nn.Conv2d(c, f, kernel, padding=pad, dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(f * 5 * 6, m, dtype=torch.float64),
    )
    params = net.named_params()
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(params["conv.w"]))
        model[0].bias.copy_(torch.from_numpy(params["conv.b"]))
        model[4].weight.copy_(torch.from_numpy(params["fc.w"].T))  # (D, M) -> torch's (M, D)
        model[4].bias.copy_(torch.from_numpy(params["fc.b"]))

    x = rng.standard_normal((n, c, h, w))
    dout = rng.standard_normal((n, m))
    out = net.forward(x)
    dx = net.backward(dout)

    x_t = tensor(x)
    out_t = model(x_t)
    torch_params = [model[0].weight, model[0].bias, model[4].weight, model[4].bias]
    dx_t, dconv_w, dconv_b, dfc_w, dfc_b = vjp(out_t, [x_t, *torch_params], dout)

    assert_close(out, out_t)
    assert_close(dx, dx_t)
    grads = net.named_grads()
    assert sorted(grads) == ["conv.b", "conv.w", "fc.b", "fc.w"]
    assert_close(grads["conv.w"], dconv_w)
    assert_close(grads["conv.b"], dconv_b)
    assert_close(grads["fc.w"], dfc_w.T)
    assert_close(grads["fc.b"], dfc_b)
