"""Shared test settings and helpers."""

import os

import numpy as np
from hypothesis import HealthCheck, settings

# Derandomised: the same examples on every run and every machine, so a test that
# passed in CI passes again; the seeds drawn below then feed numpy generators.
settings.register_profile("cnnlab", derandomize=os.environ.get("CNNLAB_HYPOTHESIS_RANDOM") != "1", deadline=None, max_examples=int(os.environ.get("CNNLAB_HYPOTHESIS_EXAMPLES", "60")),
                          suppress_health_check=[HealthCheck.too_slow], database=None)
settings.load_profile("cnnlab")


def away_from_zero(x, margin=0.1):
    """Move values at least ``margin`` away from 0, so no central difference straddles ReLU's kink."""
    return np.sign(x + (x == 0)) * (margin + np.abs(x))


def distinct_values(rng, shape, spacing=0.01):
    """An array whose entries all differ by at least ``spacing``: max pooling has one clear
    winner per window, far further than a finite-difference step from any tie."""
    size = int(np.prod(shape))
    return (rng.permutation(size) - size / 2).reshape(shape) * spacing


def isolate_datasets(monkeypatch, cache, *, offline: bool) -> None:
    """No dataset but those a test makes: the cache in ``cache``, the dataset variables unset;
    ``offline``: ``CNNLAB_OFFLINE=1``, else unset."""
    monkeypatch.setenv("CNNLAB_CACHE_DIR", str(cache))
    for name in ("CNNLAB_MNIST_DIR", "CNNLAB_FASHION_MNIST_DIR", "CNNLAB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    if offline:
        monkeypatch.setenv("CNNLAB_OFFLINE", "1")
