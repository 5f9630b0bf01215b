"""The checkers themselves: right answers on known functions, and they catch bugs."""

import numpy as np
import pytest

from cnnlab import functional as F
from cnnlab import gradcheck as G
from cnnlab.functional import InputGrads


def test_numerical_gradient_of_a_known_function():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = G.numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-9)
    assert G.rel_error(grad, 3 * x ** 2) < 1e-9


def test_central_beats_forward_differences():
    # the error of a central difference shrinks like h**2; a forward difference only like h
    f, x0, exact = np.sin, 1.0, np.cos(1.0)
    for h in (1e-2, 1e-3):
        central = (f(x0 + h) - f(x0 - h)) / (2 * h)
        computed = G.numerical_gradient(lambda v: f(v[0]), np.array([x0]), h=h)[0]
        assert computed == pytest.approx(central, rel=1e-12)
    err = [abs(G.numerical_gradient(lambda v: f(v[0]), np.array([x0]), h=h)[0] - exact) for h in (1e-2, 1e-3)]
    assert 80 < err[0] / err[1] < 120  # ten times smaller h, a hundred times smaller error


def test_richardson_cancels_the_h_squared_term():
    x = np.array([1.0])
    plain = G.numerical_gradient(lambda v: np.sin(v[0]), x, h=1e-2)[0]
    refined = G.numerical_gradient(lambda v: np.sin(v[0]), x, h=1e-2, richardson=True)[0]
    assert abs(refined - np.cos(1.0)) < 1e-3 * abs(plain - np.cos(1.0))


def test_numerical_vjp_equals_jacobian_transpose_times_dout():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    x, dout = rng.standard_normal(4), rng.standard_normal(3)
    np.testing.assert_allclose(G.numerical_vjp(lambda v: a @ v, x, dout), a.T @ dout, rtol=1e-9)


def test_rel_error():
    assert G.rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0
    assert G.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    assert G.rel_error(np.array([0.0]), np.array([0.0])) == 0  # the 1e-8 floor avoids 0 / 0
    assert G.rel_error(np.zeros(0), np.zeros(0)) == 0


def test_a_wrong_backward_fails_with_a_readable_report():
    def relu_backward_wrong(dout, cache):  # the classic slip: lets gradient through where x == 0... and x < 0
        return InputGrads(dout.copy())

    x = np.array([[-1.0, 2.0, -3.0]])
    report = G.check_function(F.relu_forward, relu_backward_wrong, dict(x=x))
    assert not report.passed
    assert report["x"].max_rel_error == pytest.approx(1.0)
    text = str(report)
    assert "relu_forward" in text and "FAIL (threshold 1e-07)" in text and "(1, 3)" in text
    with pytest.raises(AssertionError, match="gradient check failed"):
        report.assert_passed()


def test_a_wrong_batchnorm_backward_is_caught_only_by_a_random_dout():
    # dropping the x_hat term of the compact form: with dout = ones the missing term is
    # sum(dout * x_hat) = 0, so the bug hides; a random upstream gradient exposes it
    def batchnorm_backward_missing_term(dout, cache):
        grads = F.batchnorm_backward(dout, cache)
        g = dout * cache.gamma
        m = g.shape[0]
        dx = cache.inv_std / m * (m * g - g.sum(axis=0))
        return grads._replace(dx=dx)

    rng = np.random.default_rng(1)
    inputs = dict(x=rng.standard_normal((6, 3)), gamma=rng.standard_normal(3), beta=rng.standard_normal(3))
    _, cache = F.batchnorm_forward(**inputs)
    ones = np.ones((6, 3))
    # with dout = ones the buggy dx equals the right one (both vanish): no check can tell them apart
    np.testing.assert_allclose(batchnorm_backward_missing_term(ones, cache).dx,
                               F.batchnorm_backward(ones, cache).dx, atol=1e-12)
    report = G.check_function(F.batchnorm_forward, batchnorm_backward_missing_term, inputs)
    assert not report.passed and report["x"].max_rel_error > 1e-2
    assert report["gamma"].passed and report["beta"].passed


def test_sparse_check_samples_entries():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 30))
    check = G.sparse_grad_check(lambda v: np.sum(np.tanh(v)), x, 1 / np.cosh(x) ** 2, num_checks=15, rng=rng)
    assert check.passed and check.num_checked == 15
    wrong = G.sparse_grad_check(lambda v: np.sum(np.tanh(v)), x, 1 / np.cosh(x), num_checks=15, rng=rng)
    assert not wrong.passed


def test_check_function_resets_generators_and_restores_them():
    gen = np.random.default_rng(5)
    state = gen.bit_generator.state
    report = G.check_function(F.dropout_forward, F.dropout_backward, dict(x=np.ones((4, 5))),
                              dict(p=0.5, rng=gen), h=0.5)
    assert report.passed  # every perturbed forward drew the same mask
    assert gen.bit_generator.state == state


def test_check_function_never_modifies_inputs():
    x = np.random.default_rng(0).standard_normal((2, 3))
    before = x.copy()
    G.check_function(F.tanh_forward, F.tanh_backward, dict(x=x))
    G.numerical_gradient(lambda v: np.sum(v ** 2), x)
    np.testing.assert_array_equal(x, before)


def test_default_seed_is_reproducible():
    x = np.random.default_rng(0).standard_normal((3, 4))
    a = G.check_function(F.sigmoid_forward, F.sigmoid_backward, dict(x=x))
    b = G.check_function(F.sigmoid_forward, F.sigmoid_backward, dict(x=x))
    assert a.max_rel_error == b.max_rel_error
