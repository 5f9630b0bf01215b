"""Numerical gradient checking: is a hand-written backward pass right?

A backward pass computes ``dL/dx`` analytically. Central differences estimate
the same numbers from the forward pass alone,

    dL/dx_i  ~  (L(x + h e_i) - L(x - h e_i)) / (2h),

with an error of order ``h**2`` (forward differences: order ``h``). For a layer
with an array output ``out = f(x)`` and an upstream gradient ``dout``, the loss
is ``L = sum(out * dout)``, so a random ``dout`` checks every path through the
layer (an all-ones ``dout`` would hide, for instance, batch-norm bugs whose
gradient terms cancel when summed).

The two are compared with the relative error
``max_i |a_i - n_i| / max(1e-8, |a_i| + |n_i|)``. In float64 a correct backward
typically gives 1e-8 or less; 1e-2 means a bug.

Nothing here modifies the caller's arrays: perturbations are made on copies,
and :func:`check_layer` restores every parameter, buffer, gradient and random
generator state of the layer it checks.
"""

from __future__ import annotations

import numpy as np

from ._checks import shape_str
from ._gradreport import GradCheckReport, TensorCheck
from .layers.state import Snapshot

DEFAULT_STEP = 1e-5
DEFAULT_THRESHOLD = 1e-7
# Seeds the default upstream gradient, so reports are reproducible. Not 0 or 42: an
# input drawn with the same seed would make dout equal to x, which for batch norm
# is the one direction whose gradient is exactly zero.
DEFAULT_SEED = 9973


def _default_rng(rng):
    return np.random.default_rng(DEFAULT_SEED) if rng is None else rng


def rel_error(a, b) -> float:
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``.

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
        0.0 for two empty arrays.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: expected arrays of the same shape, got "
                         f"{shape_str(a.shape)} and {shape_str(b.shape)}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _check_input(where, name, x, *, need_float64):
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{where}: expected {name} to be a numpy.ndarray, got {type(x).__name__}")
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{where}: expected {name} with a floating-point dtype, got {x.dtype}")
    if need_float64 and x.dtype != np.float64:
        raise TypeError(f"{where}: gradient checks need float64, got {name} of dtype {x.dtype}: "
                        f"in float32, rounding errors of about 1e-7 / h swamp the comparison; "
                        f"convert with .astype(np.float64) (layers: layer.astype(np.float64))")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{where}: {name} holds NaN or inf; a gradient check needs finite inputs")


def _check_step(where, h):
    if not (isinstance(h, (float, int)) and np.isfinite(h) and h > 0):
        raise ValueError(f"{where}: expected a step h > 0, got {h!r}")


def _vjp_entries(f, x, dout, h, flat_indices, richardson=False):
    """Central-difference estimate of ``sum(f(x) * dout)``'s gradient at the given entries.

    ``f`` is called with a perturbed copy of ``x``; the caller's array is untouched.
    The difference of outputs is taken before multiplying by ``dout``, which keeps
    rounding error small where ``f`` is elementwise.

    With ``richardson``, the central differences at steps h and h/2 are combined as
    ``(4 D(h/2) - D(h)) / 3``, which cancels their h**2 error terms: the error falls
    to order h**4, so a larger h (less rounding) can be used.
    """
    x_perturbed = x.copy()
    flat = x_perturbed.reshape(-1)  # a view: writing to it perturbs x_perturbed

    def central_difference(i, step):
        original = flat[i]
        flat[i] = original + step
        out_plus = np.asarray(f(x_perturbed), dtype=np.float64)
        flat[i] = original - step
        out_minus = np.asarray(f(x_perturbed), dtype=np.float64)
        flat[i] = original
        return np.sum((out_plus - out_minus) * dout) / (2 * step)

    values = np.empty(len(flat_indices), dtype=np.float64)
    for k, i in enumerate(flat_indices):
        if richardson:
            values[k] = (4 * central_difference(i, h / 2) - central_difference(i, h)) / 3
        else:
            values[k] = central_difference(i, h)
    return values


def numerical_gradient(f, x, h=DEFAULT_STEP, *, richardson=False):
    """Central-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. Called ``2 * x.size`` times with perturbed copies of ``x``.
    x : ndarray of floats
    h : float
        Step. In float64, ``1e-5`` balances truncation (``~h**2``) against rounding
        (``~1e-16 / h``).
    richardson : bool
        Combine the central differences at h and h/2 to cancel their ``h**2``
        error (error ``~h**4``; then ``h ~ 1e-3`` works best).

    Returns
    -------
    ndarray, same shape as x
    """
    _check_input("numerical_gradient", "x", x, need_float64=False)
    _check_step("numerical_gradient", h)
    value = np.asarray(f(x))
    if value.shape != ():
        raise ValueError(f"numerical_gradient: expected f to return a scalar, got an array of shape "
                         f"{shape_str(value.shape)}; use numerical_vjp with an upstream gradient")
    return _vjp_entries(f, x, 1.0, h, range(x.size), richardson).reshape(x.shape)


def numerical_vjp(f, x, dout, h=DEFAULT_STEP, *, richardson=False):
    """Central-difference vector-Jacobian product of an array-valued function.

    Estimates ``d/dx sum(f(x) * dout)``, the gradient a backward pass returns
    for upstream gradient ``dout``.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` of the same shape as ``dout``.
    x : ndarray of floats
    dout : ndarray
        Upstream gradient, shaped like ``f(x)``.
    h : float
    richardson : bool
        As in :func:`numerical_gradient`.

    Returns
    -------
    ndarray, same shape as x
    """
    _check_input("numerical_vjp", "x", x, need_float64=False)
    _check_input("numerical_vjp", "dout", np.asarray(dout, dtype=np.float64), need_float64=False)
    _check_step("numerical_vjp", h)
    out_shape = np.shape(f(x))
    if out_shape != np.shape(dout):
        raise ValueError(f"numerical_vjp: dout has shape {shape_str(np.shape(dout))} but f(x) has "
                         f"shape {shape_str(out_shape)}; they must match")
    return _vjp_entries(f, x, dout, h, range(x.size), richardson).reshape(x.shape)


def _sample_indices(size, num_checks, rng):
    if num_checks is None or num_checks >= size:
        return np.arange(size)
    return np.sort(rng.choice(size, size=num_checks, replace=False))


def _compare(name, x, analytic, f, dout, h, threshold, num_checks, rng, richardson):
    analytic = np.asarray(analytic)
    if analytic.shape != x.shape:
        raise ValueError(f"gradcheck: the analytic gradient of {name!r} has shape "
                         f"{shape_str(analytic.shape)}, expected {shape_str(x.shape)} like {name}")
    indices = _sample_indices(x.size, num_checks, rng)
    numeric = _vjp_entries(f, x, dout, h, indices, richardson)
    error = rel_error(analytic.reshape(-1)[indices], numeric)
    return TensorCheck(name, x.shape, error, threshold, len(indices))


def sparse_grad_check(f, x, analytic, dout=None, *, num_checks=10, h=DEFAULT_STEP,
                      threshold=DEFAULT_THRESHOLD, richardson=False, rng=None):
    """Compare an analytic gradient with central differences at a few random entries.

    For tensors too big to check every entry (each costs two forward passes).

    Parameters
    ----------
    f : callable
        ``f(x) -> scalar`` (then ``dout`` is None) or ``f(x) -> ndarray`` shaped like ``dout``.
    x : ndarray, float64
    analytic : ndarray, same shape as x
        The gradient under test.
    dout : ndarray or None
    num_checks : int
        How many entries to compare, drawn without replacement.
    h, threshold, richardson
        As in :func:`check_function`.
    rng : numpy.random.Generator, default ``np.random.default_rng(DEFAULT_SEED)``

    Returns
    -------
    TensorCheck
    """
    _check_input("sparse_grad_check", "x", x, need_float64=True)
    _check_step("sparse_grad_check", h)
    rng = _default_rng(rng)
    return _compare("x", x, analytic, f, 1.0 if dout is None else dout, h, threshold, num_checks,
                    rng, richardson)


class _FrozenGenerators:
    """Save the states of random generators; put them back on demand.

    Every perturbed forward must draw the same random numbers (the same dropout
    mask) as the analytic one, and the caller's generators must end as they began.
    """

    def __init__(self, generators):
        self._saved = [(g, g.bit_generator.state) for g in generators]

    def restore(self):
        for generator, state in self._saved:
            generator.bit_generator.state = state


def check_function(forward, backward, inputs, hyper=None, *, dout=None, h=DEFAULT_STEP,
                   threshold=DEFAULT_THRESHOLD, richardson=False, num_checks=None, rng=None):
    """Check a functional ``forward``/``backward`` pair against central differences.

    Parameters
    ----------
    forward : callable
        ``forward(**inputs, **hyper) -> (out, cache)``.
    backward : callable
        ``backward(dout, cache) -> grads``, a named tuple whose fields ``d<name>``
        name the differentiable entries of ``inputs``; fields that are None are skipped.
    inputs : dict of str to ndarray (float64)
        The arrays to differentiate with respect to (and any other array arguments).
    hyper : dict, optional
        Other keyword arguments (stride, labels, ``rng``...). Random generators among
        them are reset before every forward call, so each call draws the same numbers.
    dout : ndarray or float, optional
        Upstream gradient; by default drawn from a standard normal with ``rng``.
    h, threshold : float
        Step, and the largest max relative error that passes.
    richardson : bool
        Refine the central differences by Richardson extrapolation (see
        :func:`numerical_gradient`); for smooth layers whose gradients have entries near 0.
    num_checks : int, optional
        Check this many random entries per tensor instead of all.
    rng : numpy.random.Generator, default ``np.random.default_rng(DEFAULT_SEED)``

    Returns
    -------
    GradCheckReport
    """
    hyper = dict(hyper or {})
    rng = _default_rng(rng)
    _check_step("check_function", h)
    for name, value in inputs.items():
        _check_input("check_function", name, value, need_float64=True)
    generators = _FrozenGenerators(v for v in hyper.values() if isinstance(v, np.random.Generator))

    def run(**replaced):
        generators.restore()
        return forward(**{**inputs, **replaced}, **hyper)

    out, cache = run()
    dout = _upstream_gradient("check_function", out, dout, rng)
    grads = backward(dout, cache)
    checks = []
    for field_name, analytic in zip(grads._fields, grads):
        name = field_name[1:]
        if analytic is None:
            continue
        if name not in inputs:
            raise ValueError(f"check_function: backward returned {field_name} but inputs has no "
                             f"{name!r}; inputs: {sorted(inputs)}")
        f = (lambda value, name=name: run(**{name: value})[0])
        checks.append(_compare(name, inputs[name], analytic, f, dout, h, threshold, num_checks, rng,
                               richardson))
    generators.restore()
    title = getattr(forward, "__name__", "function")
    return GradCheckReport(title, tuple(checks))


def _upstream_gradient(where, out, dout, rng):
    if dout is None:
        return rng.standard_normal(np.shape(out))
    dout = np.asarray(dout, dtype=np.float64)
    _check_input(where, "dout", dout, need_float64=True)
    if dout.shape != np.shape(out):
        raise ValueError(f"{where}: dout has shape {shape_str(dout.shape)} but the output has "
                         f"shape {shape_str(np.shape(out))}")
    return dout


def check_layer(layer, x, *, dout=None, h=DEFAULT_STEP, threshold=DEFAULT_THRESHOLD,
                richardson=False, num_checks=None, rng=None):
    """Check a layer's backward for its input and every parameter.

    Runs ``layer.forward(x)`` and ``layer.backward(dout)`` once for the analytic
    gradients, then perturbs ``x`` (a copy) and each parameter, one entry at a time.
    Afterwards the layer is exactly as before: parameters, gradients, caches,
    running statistics and random generator states are restored (a
    :class:`~cnnlab.layers.Snapshot`), and before every forward call they are
    reset so that each call sees the same state (the same dropout mask, the
    same batch-norm running statistics).

    Parameters
    ----------
    layer : cnnlab.layers.Module, with float64 parameters
    x : ndarray, float64, the layer's input
    dout : ndarray, optional
        Upstream gradient; by default standard normal from ``rng``.
    h, threshold : float
        Step, and the largest max relative error that passes.
    richardson : bool
        As in :func:`check_function`.
    num_checks : int, optional
        Check this many random entries per tensor instead of all.
    rng : numpy.random.Generator, default ``np.random.default_rng(DEFAULT_SEED)``

    Returns
    -------
    GradCheckReport
        One row for ``x`` and one per parameter (named as in ``layer.state_dict()``).
    """
    where = f"check_layer({type(layer).__name__})"
    rng = _default_rng(rng)
    _check_step(where, h)
    _check_input(where, "x", x, need_float64=True)
    params = layer.named_params()
    for name, value in {**params, **layer.named_buffers()}.items():
        _check_input(where, name, value, need_float64=True)

    saved_params = {name: value.copy() for name, value in params.items()}
    # every forward starts from the same running statistics and generator states
    # (the same dropout mask); afterwards the gradients and caches are back too
    snapshot = Snapshot(layer, grads=True)

    def forward_with(name=None, value=None):
        snapshot.restore()
        if name is None or name == "x":
            return layer.forward(x if value is None else value)
        np.copyto(params[name], value)
        try:
            return layer.forward(x)
        finally:
            np.copyto(params[name], saved_params[name])

    try:
        out = forward_with()
        dout = _upstream_gradient(where, out, dout, rng)
        dx = layer.backward(dout)
        analytic = {"x": dx, **{name: g.copy() for name, g in layer.named_grads().items()}}
        checks = [_compare(name, x if name == "x" else saved_params[name], analytic[name],
                           lambda value, name=name: forward_with(name, value),
                           dout, h, threshold, num_checks, rng, richardson)
                  for name in ["x", *params]]
    finally:
        for name, value in params.items():
            np.copyto(value, saved_params[name])
        snapshot.restore()
    return GradCheckReport(type(layer).__name__, tuple(checks))
