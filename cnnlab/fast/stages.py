"""The fast path's layers: each stage computes one or more layers of a model,
on (C, H, W, N) arrays up to :class:`Flatten` and on (N, D) rows after it.

A stage owns no parameters: it computes with those of the model's own layer
objects and hands its gradients to them through the layers' own API, so
names, shapes and ``state_dict()`` are those of the reference model.

Every stage has ``forward(x) -> out`` and ``backward(dout, input_grad=True) ->
dx`` (None with ``input_grad=False``) and keeps the cache of its last forward,
like :class:`cnnlab.layers.Module`. Parameters are looked up at every call
(``layer.params["w"]``), never held, so ``load_state_dict``, ``astype`` and
optimizers that replace arrays all work. Gradients reach the layer as the
functional core's named tuples (:class:`~cnnlab.functional.Conv2dGrads`...)
through ``layer._keep_grads``, exactly as the reference layers store theirs:
new arrays every step, so a gradient read after one step is never overwritten
by the next. Running statistics move through the batch-norm layer's own
``_update_running_stats``.

Inputs are checked as the reference layers check them, with their messages
(``conv2d: ...``, ``max_pool: ...``, ``linear: ...``), so a wrong image size or
upstream gradient reads the same on both paths: every conv checks its input as
:func:`cnnlab.functional.conv2d_forward` does, pooling checks that its windows
fit, and the linear stages check the input size and ``dout``.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from .._checks import check_dout, check_features
from ..functional.batchnorm import _forward_rows
from ..functional.conv import _conv2d_setup
from ..layers import MaxPool2d
from ..layers.module import NO_CACHE
from .conv import conv2d_backward_chwn, conv2d_forward_chwn
from .layout import chwn_to_nchw, nchw_to_chwn
from .pool import (avg_pool_backward_chwn, avg_pool_forward_chwn, max_pool_backward_chwn,
                   max_pool_forward_chwn)


class Stage:
    """Base class: a name for messages and the cache of the last forward."""

    def __init__(self, name):
        self.name = name
        self._cache = NO_CACHE

    def _take_cache(self):
        if self._cache is NO_CACHE:
            raise RuntimeError(f"fast path, {self.name}: call forward before backward")
        return self._cache

    def forget(self):
        """Drop the cache (after parameters were replaced or converted)."""
        self._cache = NO_CACHE


def _crop(x, pad):
    """(C, H + 2p, W + 2p, N) -> (C, H, W, N), a view."""
    return x[:, pad:x.shape[1] - pad, pad:x.shape[2] - pad, :] if pad else x


class _ConvInput:
    """Check a conv's input, bring it to a padded (C, H_pad, W_pad, N) array, and its gradient back.

    The network's first conv takes the model's NCHW input: there transposing and
    padding are one copy, and so are cropping and transposing the gradient back.
    """

    def __init__(self, layer, name, takes_nchw):
        if layer.stride != (1, 1) or layer.pad[0] != layer.pad[1]:
            raise ValueError(f"fast path, {name}: only stride 1 and equal padding are implemented, "
                             f"got stride {layer.stride}, pad {layer.pad}")
        self.layer, self.pad, self.takes_nchw = layer, layer.pad[0], takes_nchw

    def to_padded(self, x):
        """(N, C, H, W) with ``takes_nchw``, else (C, H, W, N) -> (C, H + 2p, W + 2p, N)."""
        layer = self.layer
        # the reference conv's checks and messages, on an NCHW view (no copy)
        _conv2d_setup(x if self.takes_nchw else x.transpose(3, 0, 1, 2), layer.params["w"],
                      layer.params.get("b"), layer.stride, layer.pad)
        p = self.pad
        if self.takes_nchw:
            return nchw_to_chwn(x, p)
        return np.pad(x, ((0, 0), (p, p), (p, p), (0, 0))) if p else x

    def from_padded(self, dx_pad):
        if self.takes_nchw:
            return chwn_to_nchw(dx_pad, self.pad)
        return _crop(dx_pad, self.pad)


class Conv(Stage):
    """A :class:`cnnlab.layers.Conv2d` (stride 1): (C, H, W, N) -> (F, H_out, W_out, N).

    With ``takes_nchw`` the input is the model's (N, C, H, W) batch and the
    backward returns the gradient in that layout.
    """

    def __init__(self, name, layer, *, takes_nchw=False):
        super().__init__(name)
        self.layer, self.input = layer, _ConvInput(layer, name, takes_nchw)

    def forward(self, x):
        params = self.layer.params
        out, self._cache = conv2d_forward_chwn(self.input.to_padded(x), params["w"], params.get("b"))
        return out

    def backward(self, dout, input_grad=True):
        dx_pad, dw = conv2d_backward_chwn(dout, self._take_cache(), input_grad=input_grad)
        db = dout.sum(axis=(1, 2, 3)) if "b" in self.layer.params else None
        dx = None if dx_pad is None else self.input.from_padded(dx_pad)
        return self.layer._keep_grads(F.Conv2dGrads(dx=dx, dw=dw, db=db), input_grad)


class ConvReLUMaxPool(Stage):
    """Conv2d -> ReLU -> MaxPool2d(K) fused: (C, H, W, N) -> (F, H_out/K, W_out/K, N).

    ReLU and adding the bias are both increasing functions, so they commute
    with taking a maximum: ``maxpool(relu(conv(x) + b)) = relu(maxpool(conv(x)) + b)``.
    Doing them after the pooling touches K*K times fewer numbers. The gradient
    is the reference's too: ``relu`` passes it where ``maxpool + b > 0``, ``db``
    sums it, and pooling routes it to each window's first maximum. (Where two
    pixels of a window differ by less than the rounding of adding ``b``, the
    reference, which adds ``b`` first, sees a tie and picks the first; this
    picks the larger. In float64 on real-valued data that does not happen.)
    """

    def __init__(self, name, conv_layer, k, *, takes_nchw=False):
        super().__init__(name)
        self.layer, self.k = conv_layer, k
        self.input = _ConvInput(conv_layer, name, takes_nchw)

    def forward(self, x):
        params = self.layer.params
        y, conv_cache = conv2d_forward_chwn(self.input.to_padded(x), params["w"])
        pooled, pool_cache = max_pool_forward_chwn(y, self.k)
        out = pooled + params["b"][:, None, None, None]
        np.maximum(out, 0, out=out)  # in place: out is our own new array
        self._cache = (conv_cache, pool_cache, out)
        return out

    def backward(self, dout, input_grad=True):
        conv_cache, pool_cache, out = self._take_cache()
        # ReLU, whose derivative at 0 is 0 as in the reference. A product with the
        # mask, not np.where: on a random half-and-half mask np.where ran 10x slower.
        dpre = dout * (out > 0)
        db = dpre.sum(axis=(1, 2, 3))
        dy = max_pool_backward_chwn(dpre, pool_cache)
        dx_pad, dw = conv2d_backward_chwn(dy, conv_cache, input_grad=input_grad)
        dx = None if dx_pad is None else self.input.from_padded(dx_pad)
        return self.layer._keep_grads(F.Conv2dGrads(dx=dx, dw=dw, db=db), input_grad)


class Pool(Stage):
    """MaxPool2d or AvgPool2d with window = stride = K and no padding, on (C, H, W, N)."""

    def __init__(self, name, layer):
        super().__init__(name)
        self.k = pool_window(name, layer)
        if isinstance(layer, MaxPool2d):
            self._forward, self._backward = max_pool_forward_chwn, max_pool_backward_chwn
        else:
            self._forward, self._backward = avg_pool_forward_chwn, avg_pool_backward_chwn

    def forward(self, x):
        out, self._cache = self._forward(x, self.k)
        return out

    def backward(self, dout, input_grad=True):
        return self._backward(dout, self._take_cache()) if input_grad else None


def pool_window(name, layer):
    """K for a pooling layer whose window and stride are both K x K, without padding; else raise."""
    kernel, stride, pad = layer.kernel_size, layer.stride, layer.pad
    kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    stride = kernel if stride is None else ((stride, stride) if isinstance(stride, int) else tuple(stride))
    pad = (pad, pad) if isinstance(pad, int) else tuple(pad)
    if kernel[0] != kernel[1] or stride != kernel or pad != (0, 0):
        raise ValueError(f"fast path, {name}: only square windows with stride = window and no "
                         f"padding are implemented, got kernel_size {layer.kernel_size}, "
                         f"stride {layer.stride}, pad {layer.pad}")
    return kernel[0]


class Activation(Stage):
    """Tanh or sigmoid: elementwise, so the reference functions serve any layout."""

    def __init__(self, name, forward, backward):
        super().__init__(name)
        self._forward, self._backward = forward, backward

    def forward(self, x):
        out, self._cache = self._forward(x)
        return out

    def backward(self, dout, input_grad=True):
        return self._backward(dout, self._take_cache()).dx if input_grad else None


class ReLU(Stage):
    """ReLU, any layout: ``out = max(x, 0)``, ``dx = dout * (out > 0)``.

    The reference's ``np.where(x > 0, dout, 0)`` gives the same numbers, but on
    a mask that is half true at random it ran about 10x slower than this product.
    """

    def forward(self, x):
        out = np.maximum(x, 0)
        self._cache = out
        return out

    def backward(self, dout, input_grad=True):
        return dout * (self._take_cache() > 0) if input_grad else None


class Flatten(Stage):
    """(C, H, W, N) -> (N, C*H*W) rows, in NCHW's flatten order; a view, as is its backward."""

    def forward(self, x):
        self._cache = x.shape
        return x.reshape(x.shape[0] * x.shape[1] * x.shape[2], x.shape[3]).T  # not -1: N may be 0

    def backward(self, dout, input_grad=True):
        return dout.T.reshape(self._take_cache()) if input_grad else None


class Linear(Stage):
    """A :class:`cnnlab.layers.Linear` on (N, D) rows: ``out = x @ w + b``.

    The reference :func:`cnnlab.functional.linear_forward` with the bias added in
    place; the input size and ``dout`` are checked as there, in the same words.
    """

    def __init__(self, name, layer):
        super().__init__(name)
        self.layer = layer

    def forward(self, x):
        params = self.layer.params
        check_features("linear", x, x.shape[1], params["w"])
        out = x @ params["w"]
        if "b" in params:
            out += params["b"]  # out is a new array: adding in place is safe
        self._cache = x
        return out

    def backward(self, dout, input_grad=True):
        x, layer = self._take_cache(), self.layer
        check_dout("linear", dout, (x.shape[0], layer.params["w"].shape[1]))
        db = dout.sum(axis=0) if "b" in layer.params else None
        dx = dout @ layer.params["w"].T if input_grad else None
        return layer._keep_grads(F.LinearGrads(dx=dx, dw=x.T @ dout, db=db), input_grad)


class Wrapped(Stage):
    """A layer used as it is (dropout: it owns its generator and mask)."""

    def __init__(self, name, layer):
        super().__init__(name)
        self.layer = layer

    def forward(self, x):
        self._cache = True
        return self.layer.forward(x)

    def backward(self, dout, input_grad=True):
        self._take_cache()
        return self.layer.backward(dout, input_grad=input_grad)

    def forget(self):
        super().forget()
        self.layer._forget_caches()


def _channel_rows(x):
    """(C, H, W, N) -> (H*W*N, C), a view of a contiguous x; sizes computed, not -1, so N may be 0."""
    return x.reshape(x.shape[0], x.shape[1] * x.shape[2] * x.shape[3]).T


class BatchNorm(Stage):
    """BatchNorm2d on (C, H, W, N): each channel is a row of H*W*N values.

    The reference functions compute it: :func:`cnnlab.functional.batchnorm_forward`
    normalises the columns of an (M, C) array, and ``x.reshape(C, M).T`` is
    exactly that array, as a view. Running statistics are updated as
    :class:`cnnlab.layers.BatchNorm2d` does, and errors read as the reference's
    (``spatial_batchnorm: ...``).
    """

    def __init__(self, name, layer):
        super().__init__(name)
        self.layer = layer

    def forward(self, x):
        layer, rows = self.layer, _channel_rows(x)
        out_rows, cache = _forward_rows(
            "spatial_batchnorm", rows, layer.params["gamma"], layer.params["beta"], layer.training,
            layer.buffers["running_mean"], layer.buffers["running_var"], layer.eps, rows.shape,
            spatial=False)
        if layer.training:
            layer._update_running_stats(cache)
        self._cache = (cache, x.shape)
        return np.ascontiguousarray(out_rows.T).reshape(x.shape)

    def backward(self, dout, input_grad=True):
        cache, shape = self._take_cache()
        grads = F.batchnorm_backward(_channel_rows(dout), cache)
        dx = np.ascontiguousarray(grads.dx.T).reshape(shape) if input_grad else None
        return self.layer._keep_grads(grads._replace(dx=dx), input_grad)
