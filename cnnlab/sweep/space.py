"""Search spaces: the configurations a sweep tries.

* :class:`GridSpace` tries every combination of the listed values, in a fixed
  order (the last hyperparameter varies fastest, as in nested loops).
* :class:`RandomSpace` draws ``n_trials`` distinct configurations, each
  hyperparameter from a list of values or from a distribution
  (:class:`Uniform`, :class:`LogUniform`, :class:`IntUniform`), with its own
  seeded generator: the same seed draws the same configurations.

Both give a *point* per configuration, a dict of the searched hyperparameters
only (``{"lr": 0.001, "dropout": 0.3}``); the sweep fills in the rest from
its base configuration. Names and values are checked against
:data:`cnnlab.sweep.params.PARAMS` when the space is built.

A learning rate is best searched on a log scale, ``LogUniform(1e-4, 1e-1)``:
each decade gets the same share of the trials.
"""

from __future__ import annotations

import itertools
import math
from numbers import Real

import numpy as np

from .._options import check_int, plural
from .params import PARAMS, canonical_json, check_key, check_value, parse_value

__all__ = ["Uniform", "LogUniform", "IntUniform", "GridSpace", "RandomSpace", "parse_space"]

#: spawn_key tag of the random-search generator (folds and trials use others).
SPACE_TAG = 1


class _Distribution:
    """A range of values to draw one hyperparameter from."""

    kind = "float"

    def __init__(self, low, high):
        name = type(self).__name__
        for what, value in (("low", low), ("high", high)):
            if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
                raise TypeError(f"{name}: expected {what} to be a finite number, got {value!r}")
        if not low < high:
            raise ValueError(f"{name}: expected low < high, got low={low!r}, high={high!r}")
        self.low, self.high = low, high

    def describe(self) -> dict:
        """``{"loguniform": [low, high]}``: what ``sweep.json`` records."""
        return {type(self).__name__.lower(): [self.low, self.high]}

    def __repr__(self):
        return f"{type(self).__name__}({self.low!r}, {self.high!r})"


class Uniform(_Distribution):
    """Real numbers drawn uniformly from ``[low, high)``, e.g. ``Uniform(0.0, 0.5)`` for dropout."""

    def __init__(self, low: float, high: float):
        super().__init__(low, high)
        self.low, self.high = float(low), float(high)

    def sample(self, rng: np.random.Generator) -> float:
        """One value in ``[low, high)``."""
        return self.low + (self.high - self.low) * float(rng.random())


class LogUniform(_Distribution):
    """Positive numbers whose logarithm is uniform on ``[log(low), log(high))``.

    ``LogUniform(1e-4, 1e-1)`` draws a learning rate in [1e-4, 1e-3) as often as
    one in [1e-2, 1e-1).
    """

    def __init__(self, low: float, high: float):
        super().__init__(low, high)
        if low <= 0:
            raise ValueError(f"LogUniform: expected 0 < low < high, got low={low!r}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng: np.random.Generator) -> float:
        """One value in ``[low, high)``."""
        log_low, log_high = math.log(self.low), math.log(self.high)
        return min(math.exp(log_low + (log_high - log_low) * float(rng.random())), self.high)


class IntUniform(_Distribution):
    """Integers drawn uniformly from ``low..high``, both included, e.g. ``IntUniform(1, 5)`` epochs."""

    kind = "int"

    def __init__(self, low: int, high: int):
        low = check_int("IntUniform", "low", low)
        high = check_int("IntUniform", "high", high)
        super().__init__(low, high)

    def sample(self, rng: np.random.Generator) -> int:
        """One integer in ``low..high``."""
        return int(rng.integers(self.low, self.high, endpoint=True))

    def size(self) -> int:
        """Number of values it can draw."""
        return self.high - self.low + 1


def _check_values(func, name, values) -> list:
    """A non-empty list of distinct, checked values for ``name``."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{func}: expected a list of values for {name!r}, e.g. {name}=[{values!r}], "
                        f"got {values!r}; a value that is not searched belongs in base=")
    checked = [check_value(func, name, v) for v in values]
    if not checked:
        raise ValueError(f"{func}: {name!r} has no values; give at least one")
    seen = set()
    for v in checked:
        if canonical_json(v) in seen:
            raise ValueError(f"{func}: {name!r} lists the value {v!r} twice")
        seen.add(canonical_json(v))
    return checked


def _check_params(func, params):
    if not hasattr(params, "items"):
        raise TypeError(f"{func}: expected a dict of hyperparameters, e.g. "
                        f"{{'lr': [1e-3, 3e-3], 'dropout': [0.0, 0.3]}}, got {type(params).__name__}")
    for name in params:
        check_key(func, name)
    return dict(params)


class GridSpace:
    """Every combination of the listed values.

    Parameters
    ----------
    params : dict of str -> list
        Hyperparameter name -> the values to try, e.g.
        ``{"lr": [1e-3, 3e-3], "dropout": [0.0, 0.3]}``. ``{}`` is one
        configuration, the base one (cross-validation of a single setting).

    Attributes
    ----------
    names : tuple of str
        The searched hyperparameters, in the given order.
    points : list of dict
        ``prod(len(values))`` configurations; the last name varies fastest:
        ``[{lr: 1e-3, dropout: 0.0}, {lr: 1e-3, dropout: 0.3}, {lr: 3e-3, ...}, ...]``.

    Examples
    --------
    >>> space = GridSpace({"lr": [1e-3, 3e-3], "dropout": [0, 0.3]})
    >>> len(space), space.points[1]
    (4, {'lr': 0.001, 'dropout': 0.3})
    """

    def __init__(self, params):
        func = "GridSpace"
        params = _check_params(func, params)
        self.values = {name: _check_values(func, name, v) for name, v in params.items()}
        self.names = tuple(self.values)
        self.points = [dict(zip(self.names, combo, strict=True))
                       for combo in itertools.product(*self.values.values())]

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self):
        return iter([dict(p) for p in self.points])

    def describe(self) -> dict:
        """JSON-ready description (what ``sweep.json`` records)."""
        return {"kind": "grid", "params": {k: list(v) for k, v in self.values.items()}}

    def __repr__(self):
        return f"GridSpace({self.values!r})  # {plural(len(self), 'configuration')}"


class RandomSpace:
    """``n_trials`` distinct configurations drawn at random, reproducibly.

    Parameters
    ----------
    params : dict of str -> list or distribution
        Hyperparameter name -> a list of values (one drawn uniformly) or a
        :class:`Uniform`, :class:`LogUniform` (real options) or
        :class:`IntUniform` (integer options), e.g.
        ``{"lr": LogUniform(1e-4, 1e-2), "batch_size": [32, 64, 128]}``.
    n_trials : int >= 1
        Number of configurations.
    seed : int >= 0
        Seeds the draws, through ``SeedSequence(seed, spawn_key=(1,))``: an
        own stream, independent of the folds' and the trials' streams drawn
        from the same sweep seed.

    Attributes
    ----------
    names : tuple of str
    points : list of dict, length n_trials
        Drawn in order, each hyperparameter in the order of ``params``; a
        configuration equal to an earlier one is drawn again, so all differ.

    Raises
    ------
    ValueError
        A distribution for an option of the wrong kind (``Uniform`` for
        ``epochs``), or more trials than the space has distinct configurations.
    """

    def __init__(self, params, n_trials: int, *, seed: int):
        func = "RandomSpace"
        params = _check_params(func, params)
        self.n_trials = check_int(func, "n_trials", n_trials, low=1)
        self.seed = check_int(func, "seed", seed, low=0)
        self.params, size = {}, 1
        for name, spec in params.items():
            kind = PARAMS[name].kind
            if isinstance(spec, _Distribution):
                if spec.kind != kind:
                    good = {"float": "Uniform or LogUniform", "int": "IntUniform"}.get(kind)
                    raise ValueError(f"{func}: {name!r} takes {kind} values, so "
                                     f"{type(spec).__name__} does not apply; "
                                     + (f"use {good} or a list" if good else "use a list of values"))
                check_value(func, name, spec.low)
                size = size * spec.size() if isinstance(spec, IntUniform) else math.inf
                self.params[name] = spec
            else:
                self.params[name] = _check_values(func, name, spec)
                size *= len(self.params[name])
        if self.n_trials > size:
            raise ValueError(f"{func}: asked for {self.n_trials} distinct configurations but the "
                             f"space has only {size}; ask for at most {size}, or use GridSpace")
        self.names = tuple(self.params)
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(SPACE_TAG,)))
        self.points, seen, attempts = [], set(), 0
        while len(self.points) < self.n_trials:
            attempts += 1
            if attempts > 1000 * self.n_trials:
                raise ValueError(f"{func}: could not draw {self.n_trials} distinct configurations "
                                 f"in {attempts - 1} attempts; widen the ranges or ask for fewer")
            point = {}
            for name, spec in self.params.items():
                if isinstance(spec, _Distribution):
                    value = spec.sample(rng)
                else:
                    value = spec[int(rng.integers(len(spec)))]
                point[name] = check_value(func, name, value)
            key = canonical_json(point)
            if key not in seen:
                seen.add(key)
                self.points.append(point)

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self):
        return iter([dict(p) for p in self.points])

    def describe(self) -> dict:
        """JSON-ready description (what ``sweep.json`` records)."""
        return {"kind": "random", "n_trials": self.n_trials, "seed": self.seed,
                "params": {k: (v.describe() if isinstance(v, _Distribution) else list(v))
                           for k, v in self.params.items()}}

    def __repr__(self):
        return f"RandomSpace({self.params!r}, n_trials={self.n_trials}, seed={self.seed})"


_RANGES = {"uniform": Uniform, "loguniform": LogUniform, "randint": IntUniform}


def parse_space(func: str, specs) -> dict:
    """Hyperparameters from command-line words ``NAME=V1,V2,...`` or ``NAME=DIST:LOW:HIGH``.

    ``DIST`` is ``uniform``, ``loguniform`` or ``randint`` (integers, both ends
    included); ranges are for random search only. Values are read with
    :func:`cnnlab.sweep.params.parse_value` (``none``, ``true``, ``1e-3``).

    Returns
    -------
    dict of str -> list or distribution
        In the order given; pass it to :class:`GridSpace` or :class:`RandomSpace`.

    Examples
    --------
    >>> parse_space("sweep", ["lr=loguniform:1e-4:1e-2", "dropout=0,0.3"])
    {'lr': LogUniform(0.0001, 0.01), 'dropout': [0.0, 0.3]}
    """
    params = {}
    for spec in specs:
        name, sep, text = spec.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name or not text.strip():
            raise ValueError(f"{func}: cannot read {spec!r}; expected NAME=V1,V2,... (e.g. "
                             f"lr=1e-3,3e-3) or NAME=loguniform:LOW:HIGH")
        check_key(func, name)
        if name in params:
            raise ValueError(f"{func}: {name!r} is given twice; list all its values once, "
                             f"{name}=V1,V2,...")
        head, _, rest = text.partition(":")
        if head.strip().lower() in _RANGES and rest:
            bounds = rest.split(":")
            cls = _RANGES[head.strip().lower()]
            if len(bounds) != 2:
                raise ValueError(f"{func}: cannot read {spec!r}; expected "
                                 f"{name}={head}:LOW:HIGH")
            try:
                low, high = ((int(b) if cls is IntUniform else float(b)) for b in bounds)
            except ValueError:
                raise ValueError(f"{func}: cannot read the bounds of {spec!r}; expected "
                                 f"{'integers' if cls is IntUniform else 'numbers'}") from None
            params[name] = cls(low, high)
        else:
            params[name] = [parse_value(func, name, v) for v in text.split(",")]
    return params
