"""cnnlab.graphs: every number written on a graph's arrows is the library's forward or backward."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab import functional as F  # noqa: E402
from cnnlab import graphs  # noqa: E402
from cnnlab._graph_draw import fmt  # noqa: E402
from cnnlab.gradcheck import numerical_gradient  # noqa: E402
from cnnlab.optim import Adam  # noqa: E402


@pytest.fixture
def values():
    """Call a graph function, hand back its numbers, close its figure."""
    figures = []

    def draw(function, *args, **kwargs):
        fig = function(*args, **kwargs)
        assert isinstance(fig, matplotlib.figure.Figure)
        figures.append(fig)
        return fig.graph_values

    yield draw
    for fig in figures:
        plt.close(fig)


def test_linear_graph(values):
    v = values(graphs.linear_graph)
    x, w, b, dy = v["x"].forward, v["w"].forward, v["b"].forward, v["y"].backward
    z, cache = F.linear_forward(x, w, b)
    y, relu_cache = F.relu_forward(z)
    dz = F.relu_backward(dy, relu_cache).dx
    grads = F.linear_backward(dz, cache)
    np.testing.assert_array_equal(v["z"].forward, z)
    np.testing.assert_array_equal(v["y"].forward, y)
    np.testing.assert_array_equal(v["z"].backward, dz)
    np.testing.assert_array_equal(v["xw"].forward + b, z)
    for name, grad in (("x", grads.dx), ("w", grads.dw), ("b", grads.db)):
        np.testing.assert_array_equal(v[name].backward, grad)
    assert v["z"].forward[0, 2] == 0 and v["z"].backward[0, 2] == 0  # ReLU at 0 passes nothing


def test_softmax_cross_entropy_graph_long_way_equals_the_fused_gradient(values):
    v = values(graphs.softmax_cross_entropy_graph, [[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]], [0, 2])
    x, y = v["x"].forward, v["y"].forward
    loss, cache = F.softmax_cross_entropy_forward(x, y)
    assert v["L"].forward == loss and v["L"].backward == 1.0
    np.testing.assert_allclose(v["p"].forward, F.softmax_forward(x)[0])
    np.testing.assert_allclose(v["x"].backward, F.softmax_cross_entropy_backward(1.0, cache).dx,
                               atol=1e-15)


def test_linear_tanh_sum_graph_agrees_with_central_differences(values):
    v = values(graphs.linear_tanh_sum_graph)
    x, w, b = v["x"].forward, v["w"].forward, v["b"].forward

    def loss(w_):
        return np.tanh(F.linear_forward(x, w_, b)[0]).sum()

    assert v["L"].forward == pytest.approx(loss(w))
    np.testing.assert_allclose(v["w"].backward, numerical_gradient(loss, w), rtol=1e-7, atol=1e-10)
    np.testing.assert_array_equal(v["h"].forward, F.tanh_forward(v["z"].forward)[0])


def test_conv_graph_is_one_outputs_share_of_conv2d_backward(values):
    x = np.array([[1.0, 2.0, 0.0], [3.0, 1.0, 2.0], [0.0, 1.0, 4.0]])
    w = np.array([[1.0, -1.0], [2.0, 0.0]])
    dout = np.array([[1.0, 2.0], [-1.0, 3.0]])
    out, cache = F.conv2d_forward(x[None, None], w[None, None], np.array([0.5]))
    full = F.conv2d_backward(dout[None, None], cache)
    shares = {"dw": 0, "db": 0, "dx": np.zeros_like(x)}
    for i in range(2):
        for j in range(2):
            v = values(graphs.conv_graph, x, w, 0.5, dout, i=i, j=j)
            assert v["out"].forward == out[0, 0, i, j]
            np.testing.assert_array_equal(v["x patch"].forward, x[i:i + 2, j:j + 2])
            np.testing.assert_array_equal(v["w"].backward, dout[i, j] * v["x patch"].forward)
            np.testing.assert_array_equal(v["x patch"].backward, dout[i, j] * w)
            shares["dw"] = shares["dw"] + v["w"].backward
            shares["db"] += v["b"].backward
            shares["dx"][i:i + 2, j:j + 2] += v["x patch"].backward
    np.testing.assert_allclose(shares["dw"], full.dw[0, 0])
    np.testing.assert_allclose(shares["db"], full.db[0])
    np.testing.assert_allclose(shares["dx"], full.dx[0, 0])


def test_pool_graph_sends_a_tie_to_the_first_maximum(values):
    v = values(graphs.pool_graph, [[3.0, 3.0], [1.0, 0.0]], 2.0)
    assert v["max: out"].forward == 3.0 and v["avg: out"].forward == 1.75
    np.testing.assert_array_equal(v["max: x"].backward, [[2.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(v["avg: x"].backward, np.full((2, 2), 0.5))


def test_batchnorm_graph_stages_add_up_to_batchnorm_backward(values):
    x, dout = np.array([0.0, 3.0, 7.0, 2.0]), np.array([1.0, 2.0, -1.0, 0.5])
    v = values(graphs.batchnorm_graph, x, 2.0, 1.0, dout)
    out, cache = F.batchnorm_forward(x[:, None], np.array([2.0]), np.array([1.0]))
    grads = F.batchnorm_backward(dout[:, None], cache)
    assert v["μ"].forward == cache.batch_mean[0] and v["v"].forward == cache.batch_var[0]
    assert v["s"].forward == cache.inv_std[0]
    np.testing.assert_array_equal(v["x̂"].forward, cache.x_hat[:, 0])
    np.testing.assert_array_equal(v["y"].forward, out[:, 0])
    dx = v["x → xc"].backward + v["x → μ"].backward  # the two paths from x
    np.testing.assert_allclose(dx, grads.dx[:, 0], atol=1e-12)
    np.testing.assert_allclose(v["xc → x̂"].backward + v["xc → v"].backward, v["x → xc"].backward)
    assert v["γ"].backward == grads.dgamma[0] and v["β"].backward == grads.dbeta[0]
    # the graph's intermediate gradient dv against a central difference through the stages
    var, eps, s_grad = v["v"].forward, 1e-5, v["s"].backward
    h = 1e-6
    numeric = ((var + h + eps) ** -0.5 - (var - h + eps) ** -0.5) / (2 * h) * s_grad
    assert v["v"].backward == pytest.approx(numeric, rel=1e-6)


def test_adam_graph_is_the_library_step(values):
    p, grads = np.array([1.0, -2.0]), [np.array([0.5, -1.0]), np.array([0.2, 3.0]), np.array([1.0, 1.0])]
    v = values(graphs.adam_graph, p, grads, lr=0.05)

    class Point:
        params, grads = {"p": p.copy()}, {"p": np.zeros(2)}

        def named_params(self):
            return self.params

        def named_grads(self):
            return self.grads

    model = Point()
    adam = Adam(model, lr=0.05)
    for g in grads:
        model.grads["p"][...] = g
        adam.step()
    np.testing.assert_array_equal(v["p"].forward, model.params["p"])
    np.testing.assert_array_equal(v["m"].forward, adam.state["exp_avg"]["p"])
    np.testing.assert_array_equal(v["v"].forward, adam.state["exp_avg_sq"]["p"])
    np.testing.assert_array_equal(v["g"].forward, grads[-1])
    m_hat, v_hat = v["m_hat"].forward, v["v_hat"].forward
    np.testing.assert_allclose(m_hat, adam.state["exp_avg"]["p"] / (1 - 0.9 ** 3))
    np.testing.assert_allclose(v["step"].forward, 0.05 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-12)
    np.testing.assert_allclose(v["p_prev"].forward - v["step"].forward, v["p"].forward, rtol=1e-14)
    assert all(edge.backward is None for edge in v.values())


def test_graph_draws_on_a_given_axes_and_writes_its_numbers():
    fig, ax = plt.subplots(figsize=(11, 5))
    try:
        assert graphs.pool_graph(ax=ax) is fig
        texts = [t.get_text() for t in ax.texts]
        assert "dx = [[0, 0], [1, 0]]" in texts and "out = 4" in texts
    finally:
        plt.close(fig)


def test_fmt_rounds_to_the_largest_entry():
    assert fmt([1.36e-06, 1.63, -1.36e-06]) == "[0, 1.63, 0]"
    assert fmt(np.array([[0.5, -1.0], [2.25, 0.0]])) == "[[0.5, -1], [2.25, 0]]"
    assert fmt(0.00029) == "0.00029"


@pytest.mark.parametrize("call, message", [
    (lambda: graphs.linear_graph(x=[1.0, 2.0]), r"linear_graph: expected x of shape \(N, D\)"),
    (lambda: graphs.softmax_cross_entropy_graph(y=[0.5]), "softmax_cross_entropy_graph: expected y"),
    (lambda: graphs.conv_graph(i=5), "conv_graph: expected dout of shape"),
    (lambda: graphs.adam_graph(grads=[[1.0]]), "adam_graph: expected at least one gradient"),
    (lambda: graphs.pool_graph(window="a"), "pool_graph: expected window to be an array"),
])
def test_bad_input_gets_a_one_line_error(call, message):
    with pytest.raises((TypeError, ValueError), match=message) as error:
        call()
    assert "\n" not in str(error.value)
