"""What a gradient check found: one :class:`TensorCheck` per tensor, a :class:`GradCheckReport` table.

Made by :mod:`cnnlab.gradcheck`, which exports both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._checks import shape_str

__all__ = ["TensorCheck", "GradCheckReport"]


@dataclass(frozen=True)
class TensorCheck:
    """The result of checking one tensor's gradient."""

    name: str
    shape: tuple
    max_rel_error: float
    threshold: float
    num_checked: int  #: entries compared (all of them, or a random sample)

    @property
    def passed(self) -> bool:
        return self.max_rel_error < self.threshold


@dataclass(frozen=True)
class GradCheckReport:
    """Per-tensor results of a gradient check; prints as a table.

    ``report.passed`` is True when every tensor passed; ``report.assert_passed()``
    raises an ``AssertionError`` holding the table otherwise.
    """

    title: str
    checks: tuple[TensorCheck, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def max_rel_error(self) -> float:
        return max((check.max_rel_error for check in self.checks), default=0.0)

    def __getitem__(self, name: str) -> TensorCheck:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(f"{name!r} is not in this report; tensors: {[c.name for c in self.checks]}")

    def assert_passed(self) -> None:
        if not self.passed:
            raise AssertionError(f"gradient check failed:\n{self}")

    def __str__(self) -> str:
        rows = [f"gradient check: {self.title}",
                f"  {'tensor':<16}{'shape':<18}{'checked':>8}  {'max rel error':>13}  result"]
        for c in self.checks:
            verdict = "ok" if c.passed else f"FAIL (threshold {c.threshold:.0e})"
            rows.append(f"  {c.name:<16}{shape_str(c.shape):<18}{c.num_checked:>8}  "
                        f"{c.max_rel_error:>13.2e}  {verdict}")
        return "\n".join(rows)

    __repr__ = __str__
