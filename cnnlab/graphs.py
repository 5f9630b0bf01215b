"""Computational graphs of the layers, with the numbers of a small example on every arrow.

One function per graph, each computing its example with the library's own
forward and backward functions and returning a matplotlib Figure: operations
as boxes, values above the arrows (black), gradients below them (red).
``figure.graph_values[name]`` holds each arrow's ``(forward, backward)``
numbers, the ones written on it.

==================================  =========================================================
:func:`linear_graph`                linear layer then ReLU (notebook 01)
:func:`softmax_cross_entropy_graph` softmax then cross-entropy (notebook 02)
:func:`linear_tanh_sum_graph`       linear, tanh, sum: a composite to gradient-check (03)
:func:`conv_graph`                  one output of a convolution, patch · w + b (04, 05)
:func:`pool_graph`                  one window, max and average pooling (06)
:func:`batchnorm_graph`             batch norm's staged graph, one feature (07)
:func:`adam_graph`                  one Adam step: m, v, m̂, v̂, the update (08)
==================================  =========================================================

In a notebook: ``linear_graph(); plt.show()``.
"""

from __future__ import annotations

import numpy as np

from . import functional as F
from ._checks import shape_str
from ._graph_draw import Edge, Node, draw_graph, fmt
from ._graph_draw import as_array as _array
from .i18n import _
from .i18n.fonts import figure_text

__all__ = [
    "adam_graph",
    "batchnorm_graph",
    "conv_graph",
    "linear_graph",
    "linear_tanh_sum_graph",
    "pool_graph",
    "softmax_cross_entropy_graph",
]


@figure_text
def linear_graph(x=None, w=None, b=None, dout=None, *, ax=None):
    """A linear layer then ReLU: ``y = relu(x @ w + b)``, forward and backward.

    Parameters
    ----------
    x : array (N, D), default ``[[1, 2]]``
    w : array (D, M), default ``[[1, 0, -1], [2, 1, 0]]``
    b : array (M,), default ``[0, 0, 1]``
    dout : array (N, M), the upstream gradient dL/dy, default ``[[1, -2, 3]]``
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``graph_values`` keys: ``x``, ``w``, ``xw``, ``b``, ``z``, ``y``.
    """
    func = "linear_graph"
    x = _array(func, "x", x, [[1.0, 2.0]], 2, "(N, D)")
    w = _array(func, "w", w, [[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]], 2, "(D, M)")
    b = _array(func, "b", b, [0.0, 0.0, 1.0], 1, "(M,)")
    xw = F.linear_forward(x, w)[0]
    z, linear_cache = F.linear_forward(x, w, b)
    y, relu_cache = F.relu_forward(z)
    dout = _array(func, "dout", dout, [[1.0, -2.0, 3.0]], 2, "(N, M)")
    dz = F.relu_backward(dout, relu_cache).dx
    grads = F.linear_backward(dz, linear_cache)
    nodes = {"x": Node("x", 0, 1.3, box=False), "w": Node("w", 0, -1.3, box=False),
             "dot": Node("x · w", 2.9, 0), "plus": Node("+", 5.3, 0),
             "b": Node("b", 5.3, -1.9, box=False), "relu": Node("ReLU", 7.6, 0),
             "y": Node("y", 9.9, 0, box=False)}
    edges = [Edge("x", "dot", "x", x, grads.dx, at=0.4), Edge("w", "dot", "w", w, grads.dw, at=0.7),
             Edge("dot", "plus", "xw", xw, dz), Edge("b", "plus", "b", b, grads.db, side="right"),
             Edge("plus", "relu", "z", z, dz), Edge("relu", "y", "y", y, dout)]
    return draw_graph(nodes, edges, extent=(-0.5, 10.3, -2.4, 2.0), ax=ax,
                      title=_("linear layer, then ReLU: y = relu(x · w + b)"),
                      notes=_("ReLU passes dy where z > 0, and 0 elsewhere (z = 0 included)\n"
                              "+ passes its gradient to both inputs; b sums it over the batch").split("\n"))


@figure_text
def softmax_cross_entropy_graph(x=None, y=None, *, ax=None):
    """Softmax then cross-entropy, the long way: ``L = -mean(log p[y])``, ``p = softmax(x)``.

    The gradient reaching ``p`` is ``-1/(N p)`` at the true classes, and
    ``softmax_backward`` turns it into ``(p - onehot(y)) / N``, the fused gradient
    of ``softmax_cross_entropy_backward``.

    Parameters
    ----------
    x : array (N, K), scores, default ``[[2, 1, 0.1]]``
    y : int array (N,), the true classes, default ``[0]``
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``graph_values`` keys: ``x``, ``p``, ``y``, ``L``.
    """
    func = "softmax_cross_entropy_graph"
    x = _array(func, "x", x, [[2.0, 1.0, 0.1]], 2, "(N, K)")
    y = np.array([0] if y is None else y)
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{func}: expected y to be one integer class per example, shape "
                         f"({x.shape[0]},), got {y!r}")
    p, softmax_cache = F.softmax_forward(x)
    loss, (_p, targets) = F.softmax_cross_entropy_forward(x, y)
    dp = -targets / (x.shape[0] * p)  # d(-mean log p_y)/dp: nonzero at the true classes only
    dx = F.softmax_backward(dp, softmax_cache).dx
    nodes = {"x": Node("x", 0, 0, box=False), "softmax": Node("softmax", 3.3, 0),
             "ce": Node(_("cross-entropy\n−mean log p[y]"), 6.9, 0),
             "y": Node("y", 6.9, -1.9, box=False), "L": Node("L", 9.8, 0, box=False)}
    edges = [Edge("x", "softmax", "x", x, dx), Edge("softmax", "ce", "p", p, dp),
             Edge("y", "ce", "y", y, None, side="right"), Edge("ce", "L", "L", loss, 1.0)]
    return draw_graph(nodes, edges, extent=(-0.4, 10.2, -2.3, 1.2), ax=ax,
                      title=_("softmax, then cross-entropy, the long way"),
                      notes=_("dx = (p − onehot(y)) / N = {dx}:\nthe 1/p of the log cancels the p of the "
                              "softmax").format(dx=fmt(dx)).split("\n"))


@figure_text
def linear_tanh_sum_graph(x=None, w=None, b=None, *, ax=None):
    """A small composite to gradient-check: ``L = sum(tanh(x @ w + b))``.

    Parameters
    ----------
    x : array (N, D), default ``[[0.5, -1]]``
    w : array (D, M), default ``[[1, -2], [0.5, 1.5]]``
    b : array (M,), default ``[0.2, -0.3]``
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``graph_values`` keys: ``x``, ``w``, ``b``, ``z``, ``h``, ``L``.
    """
    func = "linear_tanh_sum_graph"
    x = _array(func, "x", x, [[0.5, -1.0]], 2, "(N, D)")
    w = _array(func, "w", w, [[1.0, -2.0], [0.5, 1.5]], 2, "(D, M)")
    b = _array(func, "b", b, [0.2, -0.3], 1, "(M,)")
    z, linear_cache = F.linear_forward(x, w, b)
    h, tanh_cache = F.tanh_forward(z)
    loss = float(h.sum())
    dh = np.ones_like(h)  # L = sum(h)
    dz = F.tanh_backward(dh, tanh_cache).dx
    grads = F.linear_backward(dz, linear_cache)
    nodes = {"x": Node("x", 0, 1.9, box=False), "w": Node("w", 0, 0, box=False),
             "b": Node("b", 0, -1.9, box=False), "linear": Node("x · w + b", 3.3, 0),
             "tanh": Node("tanh", 6.0, 0), "sum": Node("sum", 8.2, 0),
             "L": Node("L", 10.0, 0, box=False)}
    edges = [Edge("x", "linear", "x", x, grads.dx, at=0.65), Edge("w", "linear", "w", w, grads.dw),
             Edge("b", "linear", "b", b, grads.db, at=0.4), Edge("linear", "tanh", "z", z, dz),
             Edge("tanh", "sum", "h", h, dh), Edge("sum", "L", "L", loss, 1.0)]
    return draw_graph(nodes, edges, extent=(-0.5, 10.4, -2.4, 2.4), ax=ax,
                      title=_("a composite to check: L = sum(tanh(x · w + b))"),
                      notes=_("tanh multiplies the gradient by 1 − h²: almost nothing passes\n"
                              "where it saturates (|z| large)").split("\n"))


@figure_text
def conv_graph(x=None, w=None, b=0.5, dout=None, *, i=1, j=1, ax=None):
    """One output of a convolution: ``out[i, j] = sum(x_patch * w) + b``, and its gradients.

    The backward numbers are this output's share: the library's ``conv2d_backward``
    of a ``dout`` that is zero except at ``(i, j)``. ``dw`` and ``db`` add up the
    shares of every output; ``dx`` adds each share onto its patch.

    Parameters
    ----------
    x : array (H, W), one channel, default ``[[1, 2, 0], [3, 1, 2], [0, 1, 4]]``
    w : array (KH, KW), default ``[[1, -1], [2, 0]]``
    b : float
    dout : array (H_out, W_out), default ``[[1, 2], [-1, 3]]``
    i, j : int, the output pixel (stride 1, no padding)
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``graph_values`` keys: ``x patch``, ``w``, ``products``, ``s``, ``b``, ``out``.
    """
    func = "conv_graph"
    x = _array(func, "x", x, [[1.0, 2.0, 0.0], [3.0, 1.0, 2.0], [0.0, 1.0, 4.0]], 2, "(H, W)")
    w = _array(func, "w", w, [[1.0, -1.0], [2.0, 0.0]], 2, "(KH, KW)")
    b = float(_array(func, "b", b, 0.5, 0, "(a number)"))
    out, cache = F.conv2d_forward(x[None, None], w[None, None], np.array([b]))
    dout = _array(func, "dout", dout, [[1.0, 2.0], [-1.0, 3.0]], 2, "(H_out, W_out)")
    h_out, w_out = out.shape[2:]
    if dout.shape != (h_out, w_out) or not (0 <= i < h_out and 0 <= j < w_out):
        raise ValueError(f"{func}: expected dout of shape {(h_out, w_out)} and an output pixel "
                         f"0 <= i < {h_out}, 0 <= j < {w_out}; got dout {shape_str(dout.shape)}, "
                         f"i={i!r}, j={j!r}")
    kh, kw = w.shape
    patch = cache.cols[i * w_out + j].reshape(kh, kw)  # the library's im2col row
    only = np.zeros_like(dout)
    only[i, j] = dout[i, j]
    share = F.conv2d_backward(only[None, None], cache)
    g = float(dout[i, j])
    products = patch * w
    nodes = {"patch": Node(f"x[{i}:{i + kh}, {j}:{j + kw}]", 0, 1.3, box=False),
             "w": Node("w", 0, -1.3, box=False), "mul": Node("×", 3.2, 0),
             "sum": Node("sum", 5.9, 0), "plus": Node("+", 7.8, 0),
             "b": Node("b", 7.8, -1.8, box=False), "out": Node(f"out[{i}, {j}]", 9.8, 0, box=False)}
    edges = [Edge("patch", "mul", "x patch", patch,
                  share.dx[0, 0, i:i + kh, j:j + kw], at=0.7),
             Edge("w", "mul", "w", w, share.dw[0, 0], at=0.55),
             Edge("mul", "sum", "prod", products, np.full_like(products, g), key="products"),
             Edge("sum", "plus", "s", float(products.sum()), g),
             Edge("b", "plus", "b", b, float(share.db[0]), side="right"),
             Edge("plus", "out", "out", float(out[0, 0, i, j]), g)]
    return draw_graph(nodes, edges, extent=(-0.7, 10.4, -2.3, 2.0), ax=ax,
                      title=_("one output of a convolution: {out} = sum(x patch × w) + b").format(
                          out=f"out[{i}, {j}]"),
                      notes=_("× multiplies the pairs, sum adds them up. The gradients are this\n"
                              "output's shares: dw and db add up the shares of every output,\n"
                              "dx adds each onto its patch").split("\n"))


@figure_text
def pool_graph(window=None, dout=1.0, *, ax=None):
    """One pooling window, max (top) and average (bottom), forward and backward.

    Max pooling sends ``dout`` to the window's first maximum in row-major order
    (ties included), average pooling ``dout / (KH*KW)`` to every pixel; the numbers
    are ``max_pool_*`` and ``avg_pool_*`` of the library on the window.

    Parameters
    ----------
    window : array (KH, KW), default ``[[1, 3], [4, 2]]``
    dout : float, the upstream gradient of the window's output
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``graph_values`` keys: ``max: x``, ``max: out``, ``avg: x``, ``avg: out``.
    """
    func = "pool_graph"
    window = _array(func, "window", window, [[1.0, 3.0], [4.0, 2.0]], 2, "(KH, KW)")
    g = np.full((1, 1, 1, 1), float(_array(func, "dout", dout, 1.0, 0, "(a number)")))
    nodes, edges = {}, []
    for name, label, y, forward, backward in (
            ("max", "max", 0.9, F.max_pool_forward, F.max_pool_backward),
            ("avg", "mean", -1.1, F.avg_pool_forward, F.avg_pool_backward)):
        out, cache = forward(window[None, None], window.shape)
        dx = backward(g, cache).dx[0, 0]
        nodes[f"{name} x"] = Node("x", 0, y, box=False)
        nodes[name] = Node(label, 4.0, y)
        nodes[f"{name} out"] = Node("out", 7.4, y, box=False)
        edges += [Edge(f"{name} x", name, "x", window, dx, key=f"{name}: x"),
                  Edge(name, f"{name} out", "out", float(out[0, 0, 0, 0]), float(g[0, 0, 0, 0]),
                       key=f"{name}: out")]
    return draw_graph(nodes, edges, extent=(-0.5, 8.0, -1.9, 1.6), ax=ax,
                      title=_("one pooling window: max (top) and average (bottom)"),
                      notes=_("max: all of dout to the first maximum (row-major);\n"
                              "mean: an equal share to every pixel").split("\n"))


@figure_text
def batchnorm_graph(x=None, gamma=2.0, beta=1.0, dout=None, *, eps=1e-5, ax=None):
    """Batch norm of one feature over a batch, staged: mean, centre, variance, inverse std,
    normalise, scale and shift; the gradient of every stage, going back.

    Forward values are the library's (``cache.batch_mean``, ``batch_var``, ``inv_std``,
    ``x_hat``, ``out``); the gradients follow the staged backward of notebook 07, and
    the two paths into ``x`` add up to ``batchnorm_backward``'s ``dx``.

    Parameters
    ----------
    x : array (M,), one feature over a batch of M, default ``[0, 3, 6]``
    gamma, beta : float
    dout : array (M,), default ``[1, 2, -1]``
    eps : float
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``graph_values`` keys: ``x → xc``, ``x → μ``, ``μ``, ``xc → x̂``, ``xc → v``,
        ``v``, ``s``, ``x̂``, ``γ``, ``β``, ``y``.
    """
    func = "batchnorm_graph"
    x = _array(func, "x", x, [0.0, 3.0, 6.0], 1, "(M,)")
    dout = _array(func, "dout", dout, [1.0, 2.0, -1.0], 1, "(M,)")
    gamma = _array(func, "gamma", gamma, 2.0, 0, "(a number)")
    beta = _array(func, "beta", beta, 1.0, 0, "(a number)")
    out, cache = F.batchnorm_forward(x[:, None], gamma[None], beta[None], eps=eps)
    grads = F.batchnorm_backward(dout[:, None], cache)
    m = x.size
    mu, var, s = float(cache.batch_mean[0]), float(cache.batch_var[0]), float(cache.inv_std[0])
    xc, x_hat, y = x - mu, cache.x_hat[:, 0], out[:, 0]
    # the staged backward (notebook 07, section 2), node by node
    dx_hat = gamma * dout
    ds = float((dx_hat * xc).sum())
    dv = -0.5 * s ** 3 * ds
    dxc_direct, dxc_var = s * dx_hat, 2 / m * xc * dv
    dxc = dxc_direct + dxc_var
    dmu = -float(dxc.sum())
    # a U: the statistics left to right along the top, the normalisation back along the bottom
    nodes = {"x": Node("x", 0, 0, box=False), "mu": Node("mean", 1.55, 1.5),
             "xc": Node("x − μ", 3.1, 0), "v": Node("mean(xc²)", 6.5, 0),
             "s": Node("(v + ε)^−½", 9.4, 0), "xhat": Node("xc · s", 9.4, -2.6),
             "affine": Node("γ · x̂ + β", 5.4, -2.6), "gamma": Node("γ", 4.4, -4.1, box=False),
             "beta": Node("β", 6.4, -4.1, box=False), "y": Node("y", 1.7, -2.6, box=False)}
    edges = [Edge("x", "xc", "x", x, dxc, key="x → xc"),
             Edge("x", "mu", "x", x, np.full(m, dmu / m), side="left", key="x → μ",
                  backward_text=_("dx = dμ / M\n= {share} each").format(share=fmt(dmu / m))),
             Edge("mu", "xc", "μ", mu, dmu, side="right"),
             Edge("xc", "v", "xc", xc, dxc_var, at=0.56, key="xc → v"),
             Edge("xc", "xhat", "xc", xc, dxc_direct, at=0.4, key="xc → x̂"),
             Edge("v", "s", "v", var, dv), Edge("s", "xhat", "s", s, ds, side="right"),
             Edge("xhat", "affine", "x̂", x_hat, dx_hat),
             Edge("gamma", "affine", "γ", float(gamma), float(grads.dgamma[0]), side="left"),
             Edge("beta", "affine", "β", float(beta), float(grads.dbeta[0]), side="right"),
             Edge("affine", "y", "y", y, dout)]
    total = dxc + dmu / m
    return draw_graph(nodes, edges, extent=(-0.9, 10.4, -4.5, 2.5), ax=ax,
                      title=_("batch norm of one feature over a batch of M = {m}, staged (train "
                              "mode)").format(m=m),
                      notes=_("x feeds two nodes, and its two shares add up:\n"
                              "dx = dxc + dμ / M = {dx}, batchnorm_backward's dx;\n"
                              "xc feeds two nodes too: its shares add up to dxc = {dxc}").format(
                          dx=fmt(total), dxc=fmt(dxc)).split("\n"))


@figure_text
def adam_graph(p=None, grads=None, *, lr=0.1, betas=(0.9, 0.999), eps=1e-8, ax=None):
    """The last of a few Adam steps, as a dataflow graph: m, v, their bias corrections, the update.

    The library's :class:`cnnlab.optim.Adam` takes the steps; ``m`` and ``v`` are its
    state (``exp_avg``, ``exp_avg_sq``), the new ``p`` its result, and ``m̂``, ``v̂``
    the bias-corrected averages of the formula.

    Parameters
    ----------
    p : array (P,), the parameter before the first step, default ``[1, -2]``
    grads : sequence of arrays (P,), one gradient per step, default ``[[0.5, -1], [0.2, 3]]``
    lr, betas, eps : as for :class:`cnnlab.optim.Adam`
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        ``graph_values`` keys (forward values only): ``g``, ``m_prev``, ``v_prev``,
        ``p_prev``, ``m``, ``v``, ``m_hat``, ``v_hat``, ``step``, ``p``.
    """
    from .demos import Point  # the smallest model an optimizer accepts: one parameter p
    from .optim import Adam
    func = "adam_graph"
    p = _array(func, "p", p, [1.0, -2.0], 1, "(P,)")
    grads = _array(func, "grads", grads, [[0.5, -1.0], [0.2, 3.0]], 2, "(T, P)")
    if grads.shape[1] != p.size or grads.shape[0] == 0:
        raise ValueError(f"{func}: expected at least one gradient of p's shape {shape_str(p.shape)}, "
                         f"got grads of shape {shape_str(grads.shape)}")
    model = Point(p)
    adam = Adam(model, lr=lr, betas=betas, eps=eps)
    for step_grad in grads:
        m_prev, v_prev = adam.state["exp_avg"]["p"].copy(), adam.state["exp_avg_sq"]["p"].copy()
        p_prev = model.params["p"].copy()
        model.grads["p"][...] = step_grad
        adam.step()
    t, g = len(grads), grads[-1]
    beta1, beta2 = adam.betas
    m, v, p_new = adam.state["exp_avg"]["p"], adam.state["exp_avg_sq"]["p"], model.params["p"]
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    # top to bottom: the two averages side by side, then the step, then the new p
    nodes = {"m_prev": Node("$m_{t-1}$", 0.6, 4.2, box=False, width=0.5),
             "g": Node("$g_t$", 4.8, 4.2, box=False, width=0.3),
             "v_prev": Node("$v_{t-1}$", 9.0, 4.2, box=False, width=0.5),
             "m_avg": Node(r"$\beta_1 m + (1-\beta_1)\,g$", 2.4, 2.7, width=1.9),
             "v_avg": Node(r"$\beta_2 v + (1-\beta_2)\,g^2$", 7.2, 2.7, width=1.9),
             "m_hat": Node(r"$\div\,(1-\beta_1^t)$", 2.4, 1.2, width=1.3),
             "v_hat": Node(r"$\div\,(1-\beta_2^t)$", 7.2, 1.2, width=1.3),
             "step": Node(r"$\eta\,\hat m\,/\,(\sqrt{\hat v} + \varepsilon)$", 4.8, -0.3,
                          width=1.8),
             "p_prev": Node("$p_{t-1}$", 1.0, -1.8, box=False, width=0.5),
             "minus": Node("−", 4.8, -1.8), "p": Node("$p_t$", 8.6, -1.8, box=False, width=0.3)}
    edges = [Edge("m_prev", "m_avg", "m", m_prev, key="m_prev"),
             Edge("g", "m_avg", "g", g, at=0.25),
             Edge("g", "v_avg", "g", g, key="g (to v)", forward_text=""),
             Edge("v_prev", "v_avg", "v", v_prev, key="v_prev"),
             Edge("m_avg", "m_hat", "m", m, side="left"), Edge("v_avg", "v_hat", "v", v, side="right"),
             Edge("m_hat", "step", "m̂", m_hat, at=0.3, key="m_hat"),
             Edge("v_hat", "step", "v̂", v_hat, at=0.3, key="v_hat"),
             Edge("step", "minus", "Δ", p_prev - p_new, side="right", key="step"),
             Edge("p_prev", "minus", "p", p_prev, key="p_prev"),
             Edge("minus", "p", "p", p_new)]
    figure = draw_graph(nodes, edges, extent=(-0.5, 10.3, -2.3, 5.2), ax=ax,
                        title=_("one Adam step (t = {t}), lr η = {lr:g}, β₁ = {beta1:g}, β₂ = {beta2:g}: "
                                "the library's Adam").format(t=t, lr=lr, beta1=beta1, beta2=beta2),
                        notes=_("m̂ and v̂ undo the pull towards 0 of averages that start at 0;\n"
                                "no coordinate moves by much more than η").split("\n"))
    figure.graph_values.pop("g (to v)")
    return figure
