"""Batch normalisation, for (N, D) features and for (N, C, H, W) feature maps.

Train mode normalises with the statistics of the batch itself,
``x_hat = (x - mean) / sqrt(var + eps)`` (``var`` the biased, 1/N, variance),
then scales and shifts: ``out = gamma * x_hat + beta``. Eval mode uses running
statistics instead, so an example's output no longer depends on its batch.

The functions here are pure: they never update running statistics. The cache
exposes the batch mean and variance, and :func:`update_running_stats` computes
the new running values (the layer class :class:`cnnlab.layers.BatchNorm1d`
stores them).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._checks import check_dout, check_float_array, check_ndim, check_shape


class BatchNormGrads(NamedTuple):
    """Gradients with respect to the inputs of a batch-norm forward."""

    dx: np.ndarray  #: same shape as x
    dgamma: np.ndarray  #: (D,) or (C,)
    dbeta: np.ndarray  #: (D,) or (C,)


class BatchNormCache(NamedTuple):
    """What a batch-norm backward needs, plus the batch statistics."""

    x_hat: np.ndarray  #: (M, D): normalised input, one row per normalised vector
    inv_std: np.ndarray  #: (D,): 1 / sqrt(var + eps) for the variance that was used
    gamma: np.ndarray  #: (D,)
    train: bool
    batch_mean: np.ndarray | None  #: (D,) in train mode, None in eval mode
    batch_var: np.ndarray | None  #: (D,) biased (1/M) variance in train mode, None in eval mode
    x_shape: tuple  #: shape of the original input
    spatial: bool  #: True for (N, C, H, W) input


def _check_params(layer, x_rows, gamma, beta, running_mean, running_var, train, eps):
    features = x_rows.shape[1]
    for name, value in (("gamma", gamma), ("beta", beta)):
        check_float_array(layer, name, value)
        check_shape(layer, name, value, (features,))
    if not train:
        for name, value in (("running_mean", running_mean), ("running_var", running_var)):
            if value is None:
                raise ValueError(f"{layer}: eval mode (train=False) needs {name}, got None")
            check_float_array(layer, name, value)
            check_shape(layer, name, value, (features,))
    if not eps > 0:
        raise ValueError(f"{layer}: expected eps > 0, got {eps!r}")
    if train and x_rows.shape[0] < 2:
        raise ValueError(f"{layer}: train mode needs at least 2 values per feature to estimate a "
                         f"variance, got input with {x_rows.shape[0]}")


def _forward_rows(layer, x_rows, gamma, beta, train, running_mean, running_var, eps, x_shape, spatial):
    """Batch norm of (M, D) rows; the shared core of both public forwards."""
    _check_params(layer, x_rows, gamma, beta, running_mean, running_var, train, eps)
    if train:
        mean = x_rows.mean(axis=0)
        var = x_rows.var(axis=0)
    else:
        mean, var = running_mean, running_var
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = (x_rows - mean) * inv_std
    out = gamma * x_hat + beta
    cache = BatchNormCache(x_hat, inv_std, gamma, train,
                           mean if train else None, var if train else None, x_shape, spatial)
    return out, cache


def _to_rows(x):
    """(N, C, H, W) -> (N*H*W, C): every pixel is one sample of each channel."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _from_rows(rows, shape):
    """Inverse of :func:`_to_rows`."""
    n, c, h, w = shape
    return np.ascontiguousarray(rows.reshape(n, h, w, c).transpose(0, 3, 1, 2))


def batchnorm_forward(x, gamma, beta, *, train=True, running_mean=None, running_var=None, eps=1e-5):
    """Batch norm forward for features: each of the D columns normalised over the batch.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    gamma, beta : ndarray, shape (D,)
        Learned scale and shift.
    train : bool
        True: normalise with this batch's mean and biased variance.
        False: with ``running_mean`` and ``running_var``.
    running_mean, running_var : ndarray, shape (D,), needed when ``train`` is False
    eps : float
        Added to the variance before the square root.

    Returns
    -------
    out : ndarray, shape (N, D)
        ``gamma * (x - mean) / sqrt(var + eps) + beta``.
    cache : BatchNormCache
        ``cache.batch_mean`` and ``cache.batch_var`` hold the batch statistics in
        train mode, for :func:`update_running_stats`.
    """
    layer = "batchnorm"
    check_float_array(layer, "x", x)
    check_ndim(layer, "x", x, 2, "(N, D)")
    return _forward_rows(layer, x, gamma, beta, train, running_mean, running_var, eps,
                         x.shape, spatial=False)


def spatial_batchnorm_forward(x, gamma, beta, *, train=True, running_mean=None, running_var=None,
                              eps=1e-5):
    """Spatial batch norm forward: each channel normalised over the batch and all pixels.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    gamma, beta : ndarray, shape (C,)
    train, running_mean (C,), running_var (C,), eps
        As in :func:`batchnorm_forward`, with statistics over ``N * H * W`` values per channel.

    Returns
    -------
    out : ndarray, shape (N, C, H, W)
    cache : BatchNormCache
    """
    layer = "spatial_batchnorm"
    check_float_array(layer, "x", x)
    check_ndim(layer, "x", x, 4, "(N, C, H, W)")
    out_rows, cache = _forward_rows(layer, _to_rows(x), gamma, beta, train, running_mean, running_var,
                                    eps, x.shape, spatial=True)
    return _from_rows(out_rows, x.shape), cache


def _dout_rows(dout, cache):
    layer = "spatial_batchnorm" if cache.spatial else "batchnorm"
    check_dout(layer, dout, cache.x_shape)
    return _to_rows(dout) if cache.spatial else dout


def _grads(dx_rows, dout_rows, cache):
    """Assemble the gradients: ``dgamma = sum(dout * x_hat)``, ``dbeta = sum(dout)``."""
    dx = _from_rows(dx_rows, cache.x_shape) if cache.spatial else dx_rows
    return BatchNormGrads(dx, (dout_rows * cache.x_hat).sum(axis=0), dout_rows.sum(axis=0))


def batchnorm_backward(dout, cache):
    """Batch norm backward in the compact closed form (for either forward).

    With ``g = dout * gamma`` (the gradient reaching ``x_hat``) and M the number
    of values averaged per feature:
    ``dx = inv_std / M * (M * g - sum(g) - x_hat * sum(g * x_hat))``,
    ``dgamma = sum(dout * x_hat)``, ``dbeta = sum(dout)``, sums over the batch
    (and pixels). In eval mode the statistics are constants: ``dx = g * inv_std``.

    Parameters
    ----------
    dout : ndarray, shape of the forward's x
    cache : BatchNormCache

    Returns
    -------
    BatchNormGrads
        ``dx`` like x, ``dgamma`` and ``dbeta`` (D,) or (C,).
    """
    dout_rows = _dout_rows(dout, cache)
    x_hat, inv_std = cache.x_hat, cache.inv_std
    g = dout_rows * cache.gamma
    if not cache.train:
        return _grads(g * inv_std, dout_rows, cache)
    m = x_hat.shape[0]
    dx_rows = (inv_std / m) * (m * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return _grads(dx_rows, dout_rows, cache)


def batchnorm_backward_graph(dout, cache):
    """Batch norm backward, one node of the computational graph at a time.

    The slow, explicit route that the compact :func:`batchnorm_backward`
    simplifies; same signature and result. The forward graph (train mode) is
    ``mu = mean(x)``, ``xc = x - mu``, ``var = mean(xc**2)``,
    ``inv_std = (var + eps)**-1/2``, ``x_hat = xc * inv_std``,
    ``out = gamma * x_hat + beta``.
    """
    dout_rows = _dout_rows(dout, cache)
    x_hat, inv_std = cache.x_hat, cache.inv_std
    # out = gamma * x_hat + beta
    dx_hat = dout_rows * cache.gamma
    if not cache.train:
        return _grads(dx_hat * inv_std, dout_rows, cache)
    m = x_hat.shape[0]
    xc = x_hat / inv_std  # x - mu, recovered from the cache
    # x_hat = xc * inv_std: two paths
    dinv_std = (dx_hat * xc).sum(axis=0)
    dxc = dx_hat * inv_std
    # inv_std = (var + eps)^(-1/2)  ->  d inv_std / d var = -1/2 (var + eps)^(-3/2) = -inv_std**3 / 2
    dvar = dinv_std * (-0.5 * inv_std ** 3)
    # var = mean(xc**2)  ->  d var / d xc = 2 xc / m
    dxc = dxc + dvar * 2 * xc / m
    # xc = x - mu, mu = mean(x)
    dmu = -dxc.sum(axis=0)
    dx_rows = dxc + dmu / m
    return _grads(dx_rows, dout_rows, cache)


spatial_batchnorm_backward = batchnorm_backward  # one backward serves both forwards


def update_running_stats(running_mean, running_var, cache, momentum=0.1):
    """New running statistics after one train-mode batch (PyTorch's convention).

    ``new = (1 - momentum) * running + momentum * batch``, where the batch variance
    enters unbiased (times ``M / (M - 1)``), so running values estimate the
    population. The inputs are not modified.

    Parameters
    ----------
    running_mean, running_var : ndarray, shape (D,)
    cache : BatchNormCache from a train-mode forward
    momentum : float in [0, 1]

    Returns
    -------
    (new_running_mean, new_running_var) : ndarrays, shape (D,)
    """
    if not cache.train:
        raise ValueError("update_running_stats: the cache comes from an eval-mode forward, "
                         "which has no batch statistics")
    if not 0 <= momentum <= 1:
        raise ValueError(f"update_running_stats: expected momentum in [0, 1], got {momentum!r}")
    m = cache.x_hat.shape[0]
    unbiased_var = cache.batch_var * (m / (m - 1))
    new_mean = (1 - momentum) * running_mean + momentum * cache.batch_mean
    new_var = (1 - momentum) * running_var + momentum * unbiased_var
    return new_mean.astype(running_mean.dtype, copy=False), new_var.astype(running_var.dtype, copy=False)


__all__ = ["BatchNormCache", "BatchNormGrads", "batchnorm_backward", "batchnorm_backward_graph",
           "batchnorm_forward", "spatial_batchnorm_backward", "spatial_batchnorm_forward", "update_running_stats"]
