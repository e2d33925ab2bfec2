"""The schedule references against hand-computed values and, where it is
installed, PyTorch's own schedulers."""

import math

import numpy as np
import pytest

from tests.references import schedules as reference


def test_cyclical_triangle_by_hand():
    rates = reference.np_cyclical([0, 2, 4, 6, 8, 12], 1.0, 3.0, 4)
    np.testing.assert_allclose(rates, [1.0, 2.0, 3.0, 2.0, 1.0, 3.0])
    halved = reference.np_cyclical([4, 12, 20], 1.0, 3.0, 4,
                                   mode="triangular2")
    np.testing.assert_allclose(halved, [3.0, 2.0, 1.5])
    shrinking = reference.np_cyclical([4], 0.0, 1.0, 4, mode="exp_range",
                                      gamma=0.5)
    np.testing.assert_allclose(shrinking, [0.5 ** 4])


def test_one_cycle_by_hand():
    # 10 steps, pct_start 0.3: up over steps 0..2, down over 2..9.
    rates = reference.np_one_cycle([0, 1, 2, 9], 1.0, 10,
                                   anneal_strategy="linear", div_factor=4.0,
                                   final_div_factor=5.0)
    np.testing.assert_allclose(rates, [0.25, 0.625, 1.0, 0.05])
    cosine = reference.np_one_cycle([1], 1.0, 10, div_factor=4.0)
    np.testing.assert_allclose(cosine, [1.0 + (0.25 - 1.0) / 2
                                        * (math.cos(math.pi / 2) + 1)])


def test_warmup_stable_decay_by_hand():
    rates = reference.np_warmup_stable_decay([0, 1, 2, 5, 6, 8, 9], 1.0, 2,
                                             4, 4, initial=0.5, final=0.1)
    np.testing.assert_allclose(rates, [0.5, 0.75, 1.0, 1.0, 1.0, 0.55, 0.325])
    np.testing.assert_allclose(
        reference.np_warmup_stable_decay([8], 1.0, 0, 6, 4,
                                         final=0.01,
                                         decay_shape="exponential"),
        [0.1])
    np.testing.assert_allclose(
        reference.np_warmup_stable_decay([1], 1.0, 0, 0, 4,
                                         decay_shape="1-sqrt"), [0.5])


def _torch_rates(make_scheduler, steps):
    torch = pytest.importorskip("torch")
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=0.1)
    scheduler = make_scheduler(torch, optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return np.array(rates)


@pytest.mark.parametrize("options", [
    {}, {"three_phase": True}, {"anneal_strategy": "linear"},
    {"pct_start": 0.25, "div_factor": 10.0, "final_div_factor": 100.0,
     "three_phase": True, "anneal_strategy": "linear"}])
def test_one_cycle_equals_torch(options):
    expected = _torch_rates(
        lambda torch, optimizer: torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=0.1, total_steps=37, cycle_momentum=False,
            **options), 37)
    np.testing.assert_allclose(
        reference.np_one_cycle(range(37), 0.1, 37, **options), expected,
        rtol=1e-12)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclical_equals_torch(mode):
    expected = _torch_rates(
        lambda torch, optimizer: torch.optim.lr_scheduler.CyclicLR(
            optimizer, 1e-3, 1e-1, step_size_up=5, mode=mode, gamma=0.97,
            cycle_momentum=False), 40)
    np.testing.assert_allclose(
        reference.np_cyclical(range(40), 1e-3, 1e-1, 5, mode=mode,
                              gamma=0.97), expected, rtol=1e-12)
