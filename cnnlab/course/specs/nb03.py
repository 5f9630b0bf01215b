"""Notebook 03, gradient checking: the relative error and central differences."""

from __future__ import annotations

import numpy as np

from ... import gradcheck
from ...i18n import N_, _
from ..catalog import Case, Exercise, register
from ._cases import mistake, randn

# -- rel_error ---------------------------------------------------------------------------


def _close_pair(rng, shape, scale):
    a = scale * randn(rng, *shape)
    return a, a * (1 + 1e-6 * randn(rng, *shape))


def rel_error_cases(rng):
    a1, b1 = _close_pair(rng, (3, 4), 1000.0)
    a2, b2 = _close_pair(rng, (3, 4), 1.0)
    a2[0, :2] = b2[0, :2] = 0.0
    a3, b3 = _close_pair(rng, (5,), 1.0)
    a3[:2], b3[:2] = (3e-12, -2e-11), (1e-12, -1e-11)
    a4 = rng.uniform(0.5, 2.0, size=(2, 3))
    return [
        Case(_("two close arrays of size about 1000"), (a1, b1)),
        Case(_("entries that are 0 in both"), (a2, b2)),
        Case(_("entries far below 1e-8"), (a3, b3)),
        Case(_("b = -a"), (a4, -a4)),
        Case(_("one entry"), (np.array([2.5]), np.array([2.4]))),
    ]


def _no_floor(a, b):
    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))


def _max_denominator(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b)))))


def _mean(a, b):
    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _absolute(a, b):
    return float(np.max(np.abs(a - b)))


def _abs_of_sum(a, b):
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))


def _elementwise(a, b):
    return np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))


register(Exercise(
    id="rel_error", notebook="03", kind="function", points=1,
    title=N_("rel_error(a, b): the largest |a - b| / max(1e-8, |a| + |b|), as a float"),
    reference=gradcheck.rel_error, cases=rel_error_cases,
    mistakes=(
        mistake("no 1e-8 floor",
                N_("entries that are 0 in both arrays give 0 / 0 = NaN, and tiny ones a huge ratio: the "
                   "denominator needs a floor of 1e-8"), _no_floor),
        mistake("max(|a|, |b|) as denominator",
                N_("the errors are about twice too large: the denominator is |a| + |b|, not the larger of "
                   "the two"),
                _max_denominator),
        mistake("mean instead of max",
                N_("the result is an average: report the worst (largest) elementwise relative error"), _mean),
        mistake("absolute error",
                N_("the result scales with the size of the arrays: divide each |a - b| by |a| + |b| to make "
                   "it relative"), _absolute),
        mistake("|a + b| as denominator",
                N_("entries of opposite sign give huge errors: the denominator adds magnitudes, |a| + |b|, "
                   "which |a + b| does not"), _abs_of_sum),
        mistake("elementwise array",
                N_("the result is an array of errors: reduce it to one float, the largest"), _elementwise),
    ),
))

# -- numerical_gradient ------------------------------------------------------------------


def _sin_cube(a):
    # the last term couples the entries: a perturbation left behind changes every later slope
    return lambda v: np.sum(np.sin(v) * a + v ** 3) + np.sum(v) ** 2 / 2


def _exp_weighted(a):
    return lambda v: np.sum(np.exp(v) * a)


def numerical_gradient_cases(rng):
    return [
        Case(_("sum(sin(x) * a + x**3) + sum(x)**2 / 2, x (3, 4)"),
             (_sin_cube(randn(rng, 3, 4)), randn(rng, 3, 4))),
        Case(_("sum(exp(x) * a), x (5,), h = 1e-3"), (_exp_weighted(randn(rng, 5)), randn(rng, 5)),
             {"h": 1e-3}),
        Case(_("x of shape (2, 2, 3)"), (_sin_cube(randn(rng, 2, 2, 3)), randn(rng, 2, 2, 3))),
        Case(_("x of one entry, h = 1e-4"), (_exp_weighted(randn(rng, 1)), randn(rng, 1)), {"h": 1e-4}),
    ]


def _one_sided(f, x, h=1e-5):
    x = x.copy()
    grad = np.zeros_like(x)
    f_x = f(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        grad[i] = (f(x) - f_x) / h
        x[i] = original
    return grad


def _divided_by_h(f, x, h=1e-5):
    return gradcheck.numerical_gradient(f, x, h) * 2


def _not_restored(f, x, h=1e-5):
    x = x.copy()
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        grad[i] = (f_plus - f(x)) / (2 * h)  # x[i] is left at original - h
    return grad


def _all_at_once(f, x, h=1e-5):
    return np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))


register(Exercise(
    id="numerical_gradient", notebook="03", kind="function", points=1, atol=1e-8,
    title=N_("numerical_gradient(f, x, h=1e-5): central differences (f(x + h e_i) - f(x - h e_i)) / 2h "
             "for every entry i, an array shaped like x"),
    reference=gradcheck.numerical_gradient, cases=numerical_gradient_cases,
    mistakes=(
        mistake("one-sided difference",
                N_("the gradient is off by about h times the curvature: a one-sided (forward) difference has "
                   "error of order h, the central difference of order h**2"), _one_sided),
        mistake("divided by h, not 2h",
                N_("the gradient is twice too large: the central difference spans from x - h to x + h, a "
                   "distance of 2h"), _divided_by_h),
        mistake("entry not restored",
                N_("later entries are measured at a shifted point: put each entry back to its original value "
                   "before perturbing the next one"), _not_restored),
        mistake("all entries perturbed at once",
                N_("every entry got the same number: perturb one entry at a time (x + h e_i), not the whole "
                   "array"),
                _all_at_once),
    ),
))
