"""Learning-rate schedules: values at given epochs, warm-up, state dicts, errors."""

import math

import numpy as np
import pytest

from cnnlab.optim.schedules import (
    ConstantSchedule,
    CosineSchedule,
    ExponentialSchedule,
    LinearWarmup,
    Schedule,
    StepSchedule,
)


def test_step_schedule_changes_at_epoch_boundaries():
    s = StepSchedule(lr=0.1, step_size=3, gamma=0.5)
    assert [s(e) for e in range(7)] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025]
    assert s(2.99) == 0.1 and s(3.0) == 0.05  # fractional epochs: constant within an epoch


def test_exponential_schedule_multiplies_every_epoch():
    s = ExponentialSchedule(lr=1e-3, gamma=0.95)
    assert np.allclose([s(e) for e in range(4)], [1e-3, 9.5e-4, 9.025e-4, 8.57375e-4], rtol=1e-14)
    assert s(1.5) == s(1)


def test_cosine_schedule_matches_the_closed_form_and_stays_at_min_lr():
    s = CosineSchedule(lr=0.1, num_epochs=10, min_lr=0.001)
    for e in range(11):
        expected = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * e / 10)) / 2
        assert s(e) == pytest.approx(expected, rel=1e-14)
    assert s(0) == 0.1
    assert s(5) == pytest.approx(0.0505)
    assert s(10) == pytest.approx(0.001) and s(25) == pytest.approx(0.001)


def test_cosine_matches_torch_cosine_annealing_per_epoch():
    """Closed form of torch.optim.lr_scheduler.CosineAnnealingLR, stepped once per epoch."""
    s = CosineSchedule(lr=0.05, num_epochs=4)
    assert [round(s(e), 12) for e in range(5)] == [0.05, 0.042677669530, 0.025, 0.007322330470, 0.0]


def test_linear_warmup_rises_every_step_then_hands_over():
    after = StepSchedule(lr=0.1, step_size=2, gamma=0.1)
    w = LinearWarmup(after, warmup_epochs=1, start_factor=0.0)
    assert w(0) == 0.0
    assert w(0.25) == pytest.approx(0.025) and w(0.5) == pytest.approx(0.05)
    # after the warm-up, the wrapped schedule starts at its own epoch 0
    assert w(1) == 0.1 and w(2.5) == 0.1 and w(3) == pytest.approx(0.01)
    w = LinearWarmup(0.2, warmup_epochs=0.5)  # a number means a constant rate
    assert w(0) == pytest.approx(0.02) and w(0.5) == 0.2 and w(7) == 0.2


def test_any_function_and_subclasses_work():
    class Halving(Schedule):
        _fields = ("lr",)

        def __init__(self, lr):
            self.lr = lr

        def lr_at(self, epoch):
            return self.lr / 2 ** int(epoch)

    assert [Halving(1.0)(e) for e in range(3)] == [1.0, 0.5, 0.25]
    assert Halving(1.0).state_dict() == {"type": "Halving", "lr": 1.0}
    assert LinearWarmup(lambda e: 0.3, warmup_epochs=1)(2) == 0.3


def test_state_dict_round_trip_and_mismatch():
    s = LinearWarmup(CosineSchedule(lr=0.1, num_epochs=5), warmup_epochs=2)
    state = s.state_dict()
    assert state == {"type": "LinearWarmup", "warmup_epochs": 2.0, "start_factor": 0.1,
                     "after.type": "CosineSchedule", "after.lr": 0.1, "after.num_epochs": 5,
                     "after.min_lr": 0.0}
    LinearWarmup(CosineSchedule(lr=0.1, num_epochs=5), warmup_epochs=2).load_state_dict(
        {k: np.asarray(v) for k, v in state.items()})  # as read back from an .npz
    with pytest.raises(ValueError, match=r"saved with after.num_epochs=5 but this schedule has "
                                         r"after.num_epochs=8"):
        LinearWarmup(CosineSchedule(lr=0.1, num_epochs=8), warmup_epochs=2).load_state_dict(state)
    with pytest.raises(ValueError, match=r"ExponentialSchedule.load_state_dict: keys do not match"):
        ExponentialSchedule(lr=0.1).load_state_dict(StepSchedule(0.1, 2).state_dict())


def test_schedules_are_pure():
    s = ExponentialSchedule(lr=0.1, gamma=0.5)
    assert [s(3), s(0), s(3)] == [0.0125, 0.1, 0.0125]


@pytest.mark.parametrize("make, error, message", [
    (lambda: StepSchedule(0.1, step_size=0), ValueError, r"StepSchedule: expected step_size >= 1"),
    (lambda: StepSchedule(0.1, 2, gama=0.5), TypeError, r"StepSchedule: unknown option 'gama' "
                                                        r"\(did you mean 'gamma'\?\)"),
    (lambda: ExponentialSchedule(lr=-0.1), ValueError, r"ExponentialSchedule: expected lr in \[0, inf\)"),
    (lambda: CosineSchedule(0.1, num_epochs=10, min_lr=0.5), ValueError,
     r"CosineSchedule: expected min_lr in \[0, 0.1\]"),
    (lambda: LinearWarmup("fast", 1), TypeError, r"LinearWarmup: expected after to be a schedule"),
    (lambda: LinearWarmup(0.1, warmup_epochs=0), ValueError, r"LinearWarmup: expected warmup_epochs in \(0"),
    (lambda: ConstantSchedule(0.1)(-1), ValueError, r"ConstantSchedule: expected epoch to be a number >= 0"),
])
def test_bad_options(make, error, message):
    with pytest.raises(error, match=message):
        make()
