"""Max pooling and average pooling over (N, C, H, W) inputs.

Windows of ``KH x KW`` pixels move by ``(SH, SW)``; when the stride is smaller
than the window, windows overlap and a pixel can receive gradient from several
of them (the contributions add up). Padding adds ``PH`` / ``PW`` pixels on each
side: ``-inf`` for max pooling (padding never wins), zeros for average pooling
(the divisor stays ``KH * KW``, PyTorch's ``count_include_pad=True``). As in
PyTorch, padding may be at most half the window, so every window holds at least
one real pixel.

Max pooling sends each window's gradient to exactly one position, the first
maximum in row-major order inside the window, even when values tie.

Each operation has a loop version (``*_naive``, the definition) and a
vectorised one that loops only over the ``KH * KW`` offsets inside a window;
their caches are interchangeable.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_dout, check_float_array, check_ndim, output_size, pair
from ._grads import InputGrads


class PoolCache(NamedTuple):
    """What a pooling backward needs from its forward."""

    x_shape: tuple[int, int, int, int]
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]
    argmax: np.ndarray | None  #: max pooling: (N, C, H_out, W_out) flat index of the winner in its window

    @property
    def out_shape(self) -> tuple[int, int, int, int]:
        """``(N, C, H_out, W_out)``."""
        n, c, h, w = self.x_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.pad
        return n, c, (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1


def _pool_setup(layer, x, kernel_size, stride, pad):
    """Validate; return ``(kernel, stride, pad)`` as int pairs. ``stride=None`` means the kernel size."""
    check_float_array(layer, "x", x)
    check_ndim(layer, "x", x, 4, "(N, C, H, W)")
    kernel = pair(layer, "kernel_size", kernel_size, minimum=1)
    stride = kernel if stride is None else pair(layer, "stride", stride, minimum=1)
    pad = pair(layer, "pad", pad, minimum=0)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(f"{layer}: pad should be at most half the kernel size, so every window "
                         f"holds a real pixel; got pad {pad} for kernel_size {kernel}")
    output_size(layer, x.shape[2], kernel[0], stride[0], pad[0], "height")
    output_size(layer, x.shape[3], kernel[1], stride[1], pad[1], "width")
    return kernel, stride, pad


def _pad(x, pad, value):
    (ph, pw) = pad
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _zeros_padded(cache, dtype):
    """A zero gradient of the padded input's shape, (N, C, H + 2*PH, W + 2*PW)."""
    n, c, h, w = cache.x_shape
    return np.zeros((n, c, h + 2 * cache.pad[0], w + 2 * cache.pad[1]), dtype=dtype)


def _unpad(x_padded, pad, x_shape):
    (ph, pw) = pad
    return x_padded[:, :, ph:ph + x_shape[2], pw:pw + x_shape[3]]


def _window_offsets(cache):
    """Yield ``(k, rows, cols)``: the k-th offset inside a window (row-major) and the
    strided slices of the padded input that hold that offset of every window."""
    _, _, h_out, w_out = cache.out_shape
    (kh, kw), (sh, sw) = cache.kernel_size, cache.stride
    for i in range(kh):
        for j in range(kw):
            yield i * kw + j, slice(i, i + sh * h_out, sh), slice(j, j + sw * w_out, sw)


def max_pool_forward_naive(x, kernel_size=2, stride=None, pad=0):
    """Max pooling forward, by loops.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (KH, KW)
    stride : int or (SH, SW), default: the kernel size (windows touch, no overlap)
    pad : int or (PH, PW), at most half the kernel size

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        ``H_out = (H + 2*PH - KH) // SH + 1``, ``W_out = (W + 2*PW - KW) // SW + 1``
        (the division must be exact).
    cache : PoolCache
    """
    kernel, stride, pad = _pool_setup("max_pool", x, kernel_size, stride, pad)
    x_padded = _pad(x, pad, -np.inf)
    cache = PoolCache(x.shape, kernel, stride, pad, argmax=None)
    n_examples, channels, h_out, w_out = cache.out_shape
    out = np.empty(cache.out_shape, dtype=x.dtype)
    argmax = np.empty(cache.out_shape, dtype=np.intp)
    for n in range(n_examples):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    window = x_padded[n, c, i * stride[0]:i * stride[0] + kernel[0],
                                      j * stride[1]:j * stride[1] + kernel[1]]
                    argmax[n, c, i, j] = np.argmax(window)  # first maximum, row-major
                    out[n, c, i, j] = window.flat[argmax[n, c, i, j]]
    return out, cache._replace(argmax=argmax)


def max_pool_backward_naive(dout, cache):
    """Max pooling backward, by loops: each window's gradient goes to its winner.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H_out, W_out)
    cache : PoolCache, from either max pooling forward

    Returns
    -------
    InputGrads
        ``dx``, shape (N, C, H, W).
    """
    check_dout("max_pool", dout, cache.out_shape)
    n_examples, channels, h_out, w_out = cache.out_shape
    (kh, kw), (sh, sw) = cache.kernel_size, cache.stride
    dx_padded = _zeros_padded(cache, dout.dtype)
    for n in range(n_examples):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    p, q = divmod(int(cache.argmax[n, c, i, j]), kw)
                    dx_padded[n, c, i * sh + p, j * sw + q] += dout[n, c, i, j]
    return InputGrads(_unpad(dx_padded, cache.pad, cache.x_shape))


def max_pool_forward(x, kernel_size=2, stride=None, pad=0):
    """Max pooling forward, vectorised over the batch.

    Same arguments, output and tie rule as :func:`max_pool_forward_naive`:
    stacks the ``KH * KW`` strided views of the padded input (one per offset in
    the window) and takes the first maximum along that stack.

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
    cache : PoolCache
    """
    kernel, stride, pad = _pool_setup("max_pool", x, kernel_size, stride, pad)
    x_padded = _pad(x, pad, -np.inf)
    cache = PoolCache(x.shape, kernel, stride, pad, argmax=None)
    candidates = np.stack([x_padded[:, :, rows, cols] for _, rows, cols in _window_offsets(cache)])
    argmax = candidates.argmax(axis=0)  # first maximum along the offsets, row-major
    out = np.take_along_axis(candidates, argmax[None], axis=0)[0]
    return out, cache._replace(argmax=argmax)


def max_pool_backward(dout, cache):
    """Max pooling backward, vectorised: for each window offset, add ``dout``
    where that offset won.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H_out, W_out)
    cache : PoolCache, from either max pooling forward

    Returns
    -------
    InputGrads
        ``dx``, shape (N, C, H, W).
    """
    check_dout("max_pool", dout, cache.out_shape)
    dx_padded = _zeros_padded(cache, dout.dtype)
    for k, rows, cols in _window_offsets(cache):
        dx_padded[:, :, rows, cols] += np.where(cache.argmax == k, dout, 0)
    return InputGrads(_unpad(dx_padded, cache.pad, cache.x_shape))


def avg_pool_forward_naive(x, kernel_size=2, stride=None, pad=0):
    """Average pooling forward, by loops.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    kernel_size : int or (KH, KW)
    stride : int or (SH, SW), default: the kernel size
    pad : int or (PH, PW), zeros, counted in the average

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        ``H_out = (H + 2*PH - KH) // SH + 1``, ``W_out = (W + 2*PW - KW) // SW + 1``.
    cache : PoolCache
    """
    kernel, stride, pad = _pool_setup("avg_pool", x, kernel_size, stride, pad)
    x_padded = _pad(x, pad, 0)
    cache = PoolCache(x.shape, kernel, stride, pad, argmax=None)
    n_examples, channels, h_out, w_out = cache.out_shape
    out = np.empty(cache.out_shape, dtype=x.dtype)
    for n in range(n_examples):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    out[n, c, i, j] = np.mean(x_padded[n, c, i * stride[0]:i * stride[0] + kernel[0],
                                                       j * stride[1]:j * stride[1] + kernel[1]])
    return out, cache


def avg_pool_backward_naive(dout, cache):
    """Average pooling backward, by loops: each window spreads ``dout / (KH*KW)``
    evenly over its pixels.

    Returns
    -------
    InputGrads
        ``dx``, shape (N, C, H, W).
    """
    check_dout("avg_pool", dout, cache.out_shape)
    n_examples, channels, h_out, w_out = cache.out_shape
    (kh, kw), (sh, sw) = cache.kernel_size, cache.stride
    dx_padded = _zeros_padded(cache, dout.dtype)
    for n in range(n_examples):
        for c in range(channels):
            for i in range(h_out):
                for j in range(w_out):
                    dx_padded[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw] += dout[n, c, i, j] / (kh * kw)
    return InputGrads(_unpad(dx_padded, cache.pad, cache.x_shape))


def avg_pool_forward(x, kernel_size=2, stride=None, pad=0):
    """Average pooling forward, vectorised: the mean of the ``KH * KW`` strided
    views of the zero-padded input. Same arguments and output as
    :func:`avg_pool_forward_naive`."""
    kernel, stride, pad = _pool_setup("avg_pool", x, kernel_size, stride, pad)
    x_padded = _pad(x, pad, 0)
    cache = PoolCache(x.shape, kernel, stride, pad, argmax=None)
    out = np.zeros(cache.out_shape, dtype=x.dtype)
    for _, rows, cols in _window_offsets(cache):
        out += x_padded[:, :, rows, cols]
    return out / (kernel[0] * kernel[1]), cache


def avg_pool_backward(dout, cache):
    """Average pooling backward, vectorised over the batch.

    Returns
    -------
    InputGrads
        ``dx``, shape (N, C, H, W).
    """
    check_dout("avg_pool", dout, cache.out_shape)
    dx_padded = _zeros_padded(cache, dout.dtype)
    share = dout / (cache.kernel_size[0] * cache.kernel_size[1])
    for _, rows, cols in _window_offsets(cache):
        dx_padded[:, :, rows, cols] += share
    return InputGrads(_unpad(dx_padded, cache.pad, cache.x_shape))
