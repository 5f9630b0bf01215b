"""What a gradient check found: one :class:`TensorCheck` per tensor, a :class:`GradCheckReport` table.

Made by :mod:`cnnlab.gradcheck`, which exports both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._checks import shape_str
from .i18n import _, pad

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
            raise AssertionError(_("gradient check failed:\n{report}").format(report=self))

    def __str__(self) -> str:
        # the English widths, the headers as wide as they are in the language shown
        header = (pad(_("tensor"), 16) + pad(_("shape"), 18) + pad(_("checked"), 8, ">") + "  "
                  + pad(_("max rel error"), 13, ">") + "  " + _("result"))
        rows = [_("gradient check: {title}").format(title=self.title), "  " + header]
        for c in self.checks:
            verdict = _("ok") if c.passed else _("FAIL (threshold {threshold:.0e})").format(threshold=c.threshold)
            rows.append(f"  {c.name:<16}{shape_str(c.shape):<18}{c.num_checked:>8}  "
                        f"{c.max_rel_error:>13.2e}  {verdict}")
        return "\n".join(rows)

    __repr__ = __str__
