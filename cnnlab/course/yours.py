"""Notebook 09's reports: which functions a LeNet-5 runs are the student's, and how far the
network trained from their functions ended from the library's.

Both are sentences computed from the numbers, never written by hand, so that what the
notebook says always agrees with what it measured, whatever the student has written.

>>> report = use_my_layers()                                   # doctest: +SKIP
>>> mine = Yours(report, LeNet5(rng=np.random.default_rng(0)))  # doctest: +SKIP
>>> mine.describe()                                            # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np

from ..i18n import _

__all__ = ["Yours", "compare_runs", "differences", "functions_used", "listed", "say"]


def functions_used(model, loss=None) -> list[str]:
    """The :mod:`cnnlab.ops` names of every forward and backward that ``model`` and ``loss``
    (default softmax cross-entropy) call, in the order they are met."""
    from ..layers import SoftmaxCrossEntropyLoss
    from ..layers.module import walk_modules

    names: list[str] = []
    for module in [*walk_modules(model), loss if loss is not None else SoftmaxCrossEntropyLoss()]:
        for name in (module.forward_op, module.backward_op):
            if name is not None and name not in names:
                names.append(name)
    return names


def listed(names) -> str:
    """``'a, b and c'`` (or ``'none'``)."""
    names = list(names)
    if not names:
        return _("none")
    if len(names) == 1:
        return names[0]
    return _("{first} and {last}").format(first=", ".join(names[:-1]), last=names[-1])


def say(text: str, indent: str = "") -> None:
    """Print ``text`` wrapped at 100 characters; an indented item's further lines indented
    two more."""
    print(textwrap.fill(text, 100, initial_indent=indent,
                        subsequent_indent=indent + "  " * bool(indent)))


@dataclass
class Yours:
    """``use_my_layers()``'s report read against the functions ``model`` calls."""

    report: dict
    model: object
    loss: object = None
    used: list = field(init=False)

    def __post_init__(self):
        self.used = functions_used(self.model, self.loss)

    def whose(self, name: str) -> str:
        """``'yours'`` if ``use_my_layers`` bound your function for ``name``, else ``'library'``."""
        return "yours" if self.report.get(name) == "yours" else "library"

    def _status(self, test) -> list[str]:
        return [name for name, status in self.report.items() if test(status)]

    @property
    def used_mine(self) -> list[str]:
        return [name for name in self.used if self.whose(name) == "yours"]

    def describe(self) -> None:
        """Print which functions are yours, which are still the library's and why, and
        which of each this model calls."""
        mine = self._status(lambda s: s == "yours")
        waiting = self._status(lambda s: s == "library (not written yet)")
        failing = self._status(lambda s: s.startswith("library (yours does not pass"))
        used_library = [name for name in self.used if self.whose(name) == "library"]
        n = len(self.report)
        say(_("Yours, passing their checks: {k} of {n} functions: {names}.").format(
            k=len(mine), n=n, names=listed(mine)))
        say(_("Still the library's: {k} of {n}.").format(k=n - len(mine), n=n))
        say(_("not written yet: {names};").format(names=listed(waiting)), indent="  ")
        say(_("written, but not passing their check yet: {names}.").format(names=listed(failing)),
            indent="  ")
        say(_("This LeNet-5 calls {k} functions:").format(k=len(self.used)))
        say(_("yours ({k}): {names};").format(k=len(self.used_mine), names=listed(self.used_mine)),
            indent="  ")
        say(_("the library's ({k}): {names}.").format(k=len(used_library), names=listed(used_library)),
            indent="  ")


def differences(runs: dict, name: str, reference: str = "library") -> dict:
    """How far run ``name`` ended from run ``reference``: ``runs[key] = (net, history,
    seconds)``. Largest absolute weight difference, the relative distance of all weights as
    one vector, the largest difference of the epochs' training losses, and of the final test
    accuracies."""
    (net, history, _s), (ref_net, ref_history, _r) = runs[name], runs[reference]
    a, b = net.state_dict(), ref_net.state_dict()
    return {
        "weights": max(float(np.max(np.abs(a[key] - b[key]))) for key in a),
        "relative": float(np.sqrt(sum(np.sum((a[key] - b[key]) ** 2) for key in a)
                               / sum(np.sum(b[key] ** 2) for key in b))),
        "loss": float(np.max(np.abs(np.array(history.epochs["train_loss"])
                                 - ref_history.epochs["train_loss"]))),
        "accuracy": abs(history.last("test_acc") - ref_history.last("test_acc"))}


def _table(diff: dict, n_steps: int) -> None:
    print(_("after {n:,} steps, compared with the library's reference layers:").format(n=n_steps))
    print(f"{'':<11}{_('weights: largest difference'):>28}{_('relative'):>10}"
          f"{_('epoch training loss'):>21}{_('test accuracy'):>15}")
    for name, d in diff.items():
        print(f"{name:<11}{d['weights']:>28.1e}{d['relative']:>10.1e}{d['loss']:>21.1e}"
              f"{100 * d['accuracy']:>12.2f} pt")
    print()


def _verdict_yours(yours: dict, fast: dict, used_mine: list, n_steps: int) -> str:
    k = len(used_mine)
    subject = _("Your function") if k == 1 else _("Your {k} functions").format(k=k)
    if not used_mine:
        return _("None of the functions this LeNet-5 calls is yours yet, so runs 1 and 2 executed "
                 "the same code, and their weights differ by {w:.1e}. Write them in notebooks 01 to "
                 "06, run those cells, then this notebook again.").format(w=yours["weights"])
    if yours["weights"] == 0:
        return _("{subject} trained exactly the same network as the library's: after {n:,} steps "
                 "the weights are identical, bit for bit, and so are the curves and the test "
                 "accuracy.").format(subject=subject, n=n_steps)
    if yours["relative"] <= max(3 * fast["relative"], 1e-6):
        accuracies = (_("are equal.") if yours["accuracy"] == 0 else
                      _("to {pt:.2f} percentage points.").format(pt=100 * yours["accuracy"]))
        return _("{subject} trained the same network as the library's, up to rounding: "
                 "the weights are {rel:.1e} apart relative to their size (largest difference "
                 "{w:.1e}), no further than the fast path, the library's own arithmetic in another "
                 "order, drifted ({fast:.1e}); the mean training losses of every epoch agree to "
                 "{loss:.1e}, and the test accuracies {accuracies}").format(
            subject=subject, rel=yours["relative"], w=yours["weights"], fast=fast["relative"],
            loss=yours["loss"], accuracies=accuracies)
    return _("Your network ended further from the library's than rounding takes it: the weights are "
             "{rel:.1e} apart relative to their size, where the fast path, the library's own "
             "arithmetic in another order, drifted {fast:.1e}; the test accuracies are {pt:.2f} "
             "percentage points apart. One of your functions passes its check but computes "
             "something else on this data: the next cell finds which.").format(
        rel=yours["relative"], fast=fast["relative"], pt=100 * yours["accuracy"])


def _verdict_fast(fast: dict) -> str:
    if fast["accuracy"] > 0.005:
        return _("The fast path ended further from the reference layers than rounding usually takes "
                 "it: test accuracies {pt:.2f} percentage points apart, weights {rel:.1e} relative to "
                 "their size. Train both again with other seeds to see whether the gap is "
                 "noise.").format(pt=100 * fast["accuracy"], rel=fast["relative"])
    accuracy = (_("equals the reference layers'") if fast["accuracy"] == 0 else
                _("is {pt:.2f} percentage points from the reference layers'").format(
                    pt=100 * fast["accuracy"]))
    return _("The fast path agrees closely: its test accuracy {accuracy}, its mean training loss is "
             "within {loss:.1e} of theirs in every epoch, and its weights {rel:.1e} from theirs "
             "relative to their size.").format(accuracy=accuracy, loss=fast["loss"],
                                               rel=fast["relative"])


def compare_runs(runs: dict, used_mine: list) -> dict:
    """Print how far the runs ``"yours"`` and ``"fast path"`` ended from ``"library"`` (a
    table, then what it means), and return the differences by run name."""
    diff = {name: differences(runs, name) for name in ("yours", "fast path")}
    n_steps = runs["library"][1].num_steps
    _table(diff, n_steps)
    say(_verdict_yours(diff["yours"], diff["fast path"], used_mine, n_steps))
    print()
    say(_verdict_fast(diff["fast path"]))
    return diff
