"""The course catalogue (cnnlab.course.specs): every reference passes its own check,
every catalogued mistake fails it and is diagnosed as itself, cases are float64 and
deterministic, and the edge cases the course promises are there."""

from __future__ import annotations

import copy
import inspect
import time

import numpy as np
import pytest

from cnnlab import ops
from cnnlab.course import catalog
from cnnlab.course.checker import run_check, seeded_rng

EXPECTED = {
    "00": ["to_nchw"],
    "01": ["linear_forward", "linear_backward", "relu_forward", "relu_backward", "sigmoid_forward",
           "sigmoid_backward", "tanh_forward", "tanh_backward"],
    "02": ["softmax_forward", "softmax_backward", "softmax_cross_entropy_forward",
           "softmax_cross_entropy_backward", "logsumexp"],
    "03": ["rel_error", "numerical_gradient"],
    "04": ["conv_output_size", "im2col", "conv2d_forward", "flatten_forward", "flatten_backward"],
    "05": ["conv2d_backward", "conv2d_backward_via_forward"],
    "06": ["max_pool_forward", "max_pool_backward", "avg_pool_forward", "avg_pool_backward"],
    "07": ["batchnorm_forward", "spatial_batchnorm_forward", "batchnorm_backward", "dropout_forward",
           "dropout_backward"],
    "08": ["adam_step", "he_std"],
}
IDS = [i for ids in EXPECTED.values() for i in ids]


def _exercise(exercise_id):
    return catalog.lookup(exercise_id)


def _mistake_params():
    return [pytest.param(ex_id, m.name, id=f"{ex_id}:{m.name}")
            for ex_id in IDS for m in _exercise(ex_id).mistakes]


def _mistake(ex, name):
    return next(m for m in ex.mistakes if m.name == name)


# -- the catalogue -----------------------------------------------------------------------

def test_catalogue_lists_every_exercise_by_notebook():
    for notebook, ids in EXPECTED.items():
        assert [ex.id for ex in catalog.by_notebook(notebook)] == ids
    assert set(catalog.EXERCISES) == set(IDS)


@pytest.mark.parametrize("exercise_id", IDS)
def test_exercise_is_well_formed(exercise_id):
    ex = _exercise(exercise_id)
    assert ex.title and "\n" not in ex.title
    assert ex.mistakes, "every exercise catalogues known mistakes"
    names = [m.name for m in ex.mistakes]
    assert len(set(names)) == len(names)
    if ex.kind == "forward":
        assert ex.backward is not None and ex.forward is None
    elif ex.kind == "backward":
        assert ex.forward is not None and ex.backward is None
    else:
        assert ex.forward is None and ex.backward is None and ex.op is None
    if ex.op is not None:
        assert ex.op == ex.id and ex.reference is ops.library(ex.op)
    assert ex.points == (2 if ex.kind != "function" or ex.id == "im2col" else 1)


@pytest.mark.parametrize("exercise_id", IDS)
def test_mistakes_take_the_exercise_signature_and_diagnose_in_one_sentence(exercise_id):
    ex = _exercise(exercise_id)
    expected = ["dout", "cache"] if ex.kind == "backward" else [
        p.name for p in inspect.signature(ex.reference).parameters.values() if p.kind != p.KEYWORD_ONLY]
    keyword_only = {p.name for p in inspect.signature(ex.forward or ex.reference).parameters.values()
                    if p.kind == p.KEYWORD_ONLY}
    for m in ex.mistakes:
        params = inspect.signature(m.wrong).parameters.values()
        assert [p.name for p in params if p.kind != p.KEYWORD_ONLY] == expected, m.name
        assert {p.name for p in params if p.kind == p.KEYWORD_ONLY} <= keyword_only, m.name
        assert m.diagnosis and "\n" not in m.diagnosis and ". " not in m.diagnosis, m.name


# -- references pass, mistakes are named -------------------------------------------------

@pytest.mark.parametrize("seed", [None, 7])
@pytest.mark.parametrize("exercise_id", IDS)
def test_reference_passes_its_own_check(exercise_id, seed):
    ex = _exercise(exercise_id)
    result = run_check(ex, ex.reference, seed=seed)
    assert result.status == "passed", result.message
    assert result.mistake is None


@pytest.mark.parametrize("seed", [None, 7])
@pytest.mark.parametrize("exercise_id, name", _mistake_params())
def test_mistake_fails_and_is_diagnosed_as_itself(exercise_id, name, seed):
    ex = _exercise(exercise_id)
    m = _mistake(ex, name)
    result = run_check(ex, m.wrong, seed=seed)
    assert result.status == "failed", result.message
    assert result.mistake == name, (result.message, result.mistake)
    assert result.diagnosis == m.diagnosis


class _Raised:
    """What a function that raised produced: equal to nothing."""


def _outcome(ex, fn, case, index):
    """What ``fn`` gives on ``case``; for a forward also what the library's backward makes of
    its cache, for a backward the gradients for a fixed random ``dout``."""
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    dout_rng = np.random.default_rng(1000 + index)

    def upstream(out):
        return float(dout_rng.standard_normal()) if np.ndim(out) == 0 else dout_rng.standard_normal(np.shape(out))

    try:
        with np.errstate(all="ignore"):  # wrong answers may overflow on purpose
            if ex.kind == "backward":
                out, cache = ex.forward(*args, **kwargs)
                return fn(upstream(out), cache)
            result = fn(*args, **kwargs)
            if ex.kind == "forward":
                out, cache = result
                return out, tuple(ex.backward(upstream(out), cache))
            return result
    except Exception:
        return _Raised()


def _close(a, b, ex):
    """The checker's notion of agreement, written independently: same structure, same
    shapes, ints for ints, values within the exercise's tolerances (NaN equal to NaN)."""
    if isinstance(a, _Raised) or isinstance(b, _Raised):
        return False
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(_close(x, y, ex) for x, y in zip(a, b)))
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, np.integer)) != isinstance(b, (int, np.integer)):
        return False
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=ex.rtol, atol=ex.atol, equal_nan=True))


@pytest.mark.parametrize("exercise_id", IDS)
def test_mistakes_are_told_apart_on_their_first_failing_case(exercise_id):
    # the checker names the first catalogued mistake that agrees with the answer on the
    # first case where the answer fails: on that case no other mistake may agree with it
    ex = _exercise(exercise_id)
    cases = ex.cases(seeded_rng(exercise_id))
    for m in ex.mistakes:
        first = next((k for k, case in enumerate(cases)
                      if not _close(_outcome(ex, m.wrong, case, k), _outcome(ex, ex.reference, case, k), ex)),
                     None)
        assert first is not None, f"{m.name!r} agrees with the reference on every case"
        mine = _outcome(ex, m.wrong, cases[first], first)
        for other in ex.mistakes:
            if other is not m:
                theirs = _outcome(ex, other.wrong, cases[first], first)
                assert not _close(theirs, mine, ex), (
                    f"on {cases[first].label!r}, {m.name!r} cannot be told from {other.name!r}")


def test_a_check_of_one_exercise_is_quick():
    slowest = {}
    for exercise_id in IDS:
        ex = _exercise(exercise_id)
        start = time.process_time()
        run_check(ex, ex.reference)
        slowest[exercise_id] = time.process_time() - start
    worst = max(slowest, key=slowest.get)
    assert slowest[worst] < 0.2, f"{worst} took {slowest[worst]:.2f} s of CPU time"


# -- cases -------------------------------------------------------------------------------

def _values(value):
    """Every leaf of a case's arguments (tuples, lists and dicts walked)."""
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _values(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _values(v)
    else:
        yield value


def _same(a, b):
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, np.random.Generator):
        return isinstance(b, np.random.Generator) and a.bit_generator.state == b.bit_generator.state
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if inspect.isfunction(a):
        cells = [c.cell_contents for c in a.__closure__ or ()], [c.cell_contents for c in b.__closure__ or ()]
        return a.__code__ is b.__code__ and _same(*cells)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("exercise_id", IDS)
def test_cases_are_float64_and_deterministic(exercise_id):
    ex = _exercise(exercise_id)
    cases = ex.cases(np.random.default_rng(123))
    assert 3 <= len(cases) <= 8
    for case in cases:
        for value in _values((case.args, case.kwargs)):
            if isinstance(value, np.ndarray):
                assert not np.issubdtype(value.dtype, np.floating) or value.dtype == np.float64, case.label
            assert not isinstance(value, (np.float32, np.float16)), case.label
    again = ex.cases(np.random.default_rng(123))
    assert [c.label for c in again] == [c.label for c in cases]
    for a, b in zip(cases, again):
        assert _same(a.args, b.args) and _same(a.kwargs, b.kwargs), a.label
    other = ex.cases(np.random.default_rng(124))
    random_parts = [(a, b) for a, b in zip(cases, other)
                    if any(isinstance(v, np.ndarray) and np.issubdtype(v.dtype, np.floating)
                           for v in _values(a.args))]
    if random_parts:  # fresh inputs for another seed
        assert not all(_same(a.args, b.args) for a, b in random_parts)


def _cases(exercise_id):
    ex = _exercise(exercise_id)
    return ex.cases(seeded_rng(exercise_id))


def test_conv_cases_cover_the_promised_geometries():
    for exercise_id in ("conv2d_forward", "conv2d_backward"):
        cases = _cases(exercise_id)
        kernels = [c.args[1].shape[2:] for c in cases]
        strides, pads = [c.args[3] for c in cases], [c.args[4] for c in cases]
        assert all(isinstance(s, tuple) and isinstance(p, tuple) for s, p in zip(strides, pads))
        assert any(kh != kw for kh, kw in kernels)
        assert any(sh != sw for sh, sw in strides) and any(ph != pw for ph, pw in pads)
        assert any(c.args[0].shape[0] == 1 for c in cases)
        assert any(c.args[2] is None for c in cases)
    for case in _cases("conv2d_backward_via_forward"):
        assert len(case.args) == 3 and not case.kwargs  # stride 1, no padding: the defaults


def test_pool_cases_cover_the_promised_geometries():
    cases = _cases("max_pool_backward")
    kernels, strides, pads = ([c.args[i] for c in cases] for i in (1, 2, 3))
    assert any(isinstance(k, int) for k in kernels) and any(isinstance(k, tuple) for k in kernels)
    assert None in strides
    assert any(s is not None and np.any(np.asarray(s) < np.asarray(k)) for k, s in zip(kernels, strides))
    assert any(np.any(np.asarray(p) > 0) for p in pads)
    tied = False
    for case in cases:
        x, kernel, stride, pad = case.args
        if kernel == 2 and stride is None and pad == 0:
            windows = x.reshape(*x.shape[:2], x.shape[2] // 2, 2, x.shape[3] // 2, 2)
            top = windows.max(axis=(3, 5), keepdims=True)
            tied |= bool(((windows == top).sum(axis=(3, 5)) > 1).any())
    assert tied, "max pooling cases must hold ties inside a window"


def test_other_promised_edge_cases():
    assert any(np.any(c.args[0] == 0) for c in _cases("relu_backward"))
    assert any(np.abs(c.args[0]).max() >= 1000 for c in _cases("softmax_forward"))
    assert any(np.abs(c.args[0]).max() >= 1000 for c in _cases("softmax_cross_entropy_forward"))
    assert any(np.abs(c.args[0]).max() >= 1000 for c in _cases("logsumexp"))
    assert any(c.args[0].shape[1] == 1 for c in _cases("softmax_forward"))
    assert any(c.args[0].shape[0] == 1 for c in _cases("linear_backward"))
    bn = _cases("batchnorm_backward")  # both forwards in train mode, and one eval-mode cache
    assert {c.args[0].ndim for c in bn if c.kwargs["train"]} == {2, 4}
    assert [c.kwargs["train"] for c in bn].count(False) == 1
    assert any(not c.kwargs["train"] for c in _cases("dropout_forward"))
    assert all(isinstance(c.kwargs["rng"], np.random.Generator) for c in _cases("dropout_forward"))
    assert _exercise("batchnorm_backward").gradcheck == dict(richardson=True, h=1e-3)


# -- answers written the notebooks' way pass ---------------------------------------------

def _notebook_answers():
    def to_nchw(images):
        x = images.astype(np.float64) / 255
        return x[:, None, :, :]

    def numerical_gradient(f, x, h=1e-5):
        x = x.copy()
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            original = x[i]
            x[i] = original + h
            f_plus = f(x)
            x[i] = original - h
            f_minus = f(x)
            x[i] = original
            grad[i] = (f_plus - f_minus) / (2 * h)
        return grad

    def adam_step(p, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        return p - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v

    def he_std(shape):
        fan_in = shape[0] if len(shape) == 2 else shape[1] * shape[2] * shape[3]
        return np.sqrt(2 / fan_in)

    def logsumexp(x):
        m = x.max(axis=1, keepdims=True)
        return (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True)))[:, 0]

    def relu_backward(dout, cache):
        from cnnlab.functional import InputGrads
        return InputGrads(dout * (cache > 0))

    def dropout_forward(x, p, *, train=True, rng=None):
        if not train:
            return x.copy(), None
        mask = (rng.random(x.shape) >= p) / (1 - p)
        return x * mask, mask

    return [to_nchw, numerical_gradient, adam_step, he_std, logsumexp, relu_backward, dropout_forward]


@pytest.mark.parametrize("answer", _notebook_answers(), ids=lambda f: f.__name__)
def test_an_answer_written_the_notebook_way_passes(answer):
    result = run_check(_exercise(answer.__name__), answer)
    assert result.status == "passed", result.message
