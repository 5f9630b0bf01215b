"""One backward contract for every layer and model, reference or fast path:
``backward(dout, input_grad=True)`` fills ``grads`` and returns ``dx``; with
``input_grad=False`` it returns None and fills the same ``grads``."""

import numpy as np
import pytest

from cnnlab import layers as L
from cnnlab.models import MLP, DeepCNN, LeNet5


def _cases():
    rng = np.random.default_rng(0)
    image = (2, 3, 8, 8)
    yield "Conv2d", L.Conv2d(3, 4, 3, pad=1, rng=rng, dtype=np.float64), image
    yield "Linear", L.Linear(5, 4, rng=rng, dtype=np.float64), (2, 5)
    yield "BatchNorm2d", L.BatchNorm2d(3, dtype=np.float64), image
    yield "MaxPool2d", L.MaxPool2d(2), image
    yield "Dropout", L.Dropout(0.5, rng=rng), (2, 5)
    yield "ReLU", L.ReLU(), (2, 5)
    yield "Flatten", L.Flatten(), image
    yield "MLP", MLP((12, 6, 10), rng=rng, batchnorm=True, dtype=np.float64), (2, 12)
    for fast in (False, True):
        yield f"LeNet5(fast={fast})", LeNet5(rng=rng, batchnorm=True, dtype=np.float64, fast=fast), (2, 1, 28, 28)
        yield f"DeepCNN(fast={fast})", DeepCNN(rng=rng, channels=(2, 3), hidden=8, dtype=np.float64,
                                               fast=fast), (2, 1, 28, 28)


@pytest.mark.parametrize("name, module, shape", list(_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_input_grad_false_returns_none_and_the_same_parameter_gradients(name, module, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    generators = [(g, g.bit_generator.state) for g in module.generators()]
    out = module.forward(x)
    dout = rng.standard_normal(out.shape)
    dx = module.backward(dout)
    assert isinstance(dx, np.ndarray) and dx.shape == x.shape, name
    with_dx = {k: v.copy() for k, v in module.named_grads().items()}
    for generator, state in generators:  # the same dropout mask
        generator.bit_generator.state = state
    module.forward(x)
    assert module.backward(dout, input_grad=False) is None, name
    for key, grad in module.named_grads().items():
        np.testing.assert_array_equal(grad, with_dx[key], err_msg=f"{name} {key}")
