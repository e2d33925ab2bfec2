"""The schedules' arguments and variants against the NumPy references (the
contract row of each runs `run_schedule_test`: jit, saving, serialization)."""

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import schedules as reference

_STEPS = np.arange(0, 61, 3)


@keras.saving.register_keras_serializable(package="schedules_test")
def _halve_each_cycle(cycle):
    return keras.ops.power(0.5, cycle - 1.0)


def _values(schedule, steps=_STEPS):
    return schedule(keras.ops.convert_to_tensor(steps, "int64"))


class CyclicalLearningRateTest(testing.TestCase):
    def test_invalid_args(self):
        make = kerastricks.schedules.CyclicalLearningRate
        with self.assertRaisesRegex(ValueError, "step_size=0"):
            make(1e-3, 1e-2, step_size=0)
        with self.assertRaisesRegex(ValueError, "mode='cosine'"):
            make(1e-3, 1e-2, 4, mode="cosine")
        with self.assertRaisesRegex(ValueError, "initial_learning_rate=-1"):
            make(-1, 1e-2, 4)
        with self.assertRaisesRegex(TypeError, "scale_fn=2"):
            make(1e-3, 1e-2, 4, scale_fn=2)
        with self.assertRaisesRegex(ValueError, "scale_mode='epoch'"):
            make(1e-3, 1e-2, 4, scale_mode="epoch")

    def test_correctness_against_reference(self):
        for mode in ("triangular", "triangular2", "exp_range"):
            schedule = kerastricks.schedules.CyclicalLearningRate(
                1e-3, 0.1, 5, mode=mode, gamma=0.98)
            self.assertAllClose(
                _values(schedule),
                reference.np_cyclical(_STEPS, 1e-3, 0.1, 5, mode=mode,
                                      gamma=0.98), atol=1e-7, rtol=1e-6,
                msg=mode)

    def test_custom_scale_fn_serializes(self):
        schedule = kerastricks.schedules.CyclicalLearningRate(
            1e-3, 0.1, 5, scale_fn=_halve_each_cycle)
        expected = reference.np_cyclical(_STEPS, 1e-3, 0.1, 5,
                                          mode="triangular2")
        self.assertAllClose(_values(schedule), expected, atol=1e-7,
                            rtol=1e-6)
        revived = self.run_serialization_test(schedule)
        self.assertIs(revived.scale_fn, _halve_each_cycle)
        per_step = kerastricks.schedules.CyclicalLearningRate(
            1e-3, 0.1, 5, scale_fn=lambda step: 1.0 / (1.0 + step),
            scale_mode="iterations")
        self.assertAllClose(
            _values(per_step),
            reference.np_cyclical(_STEPS, 1e-3, 0.1, 5,
                                  scale_fn=lambda step: 1.0 / (1.0 + step),
                                  scale_mode="iterations"),
            atol=1e-7, rtol=1e-6)


class OneCycleLearningRateTest(testing.TestCase):
    def test_invalid_args(self):
        make = kerastricks.schedules.OneCycleLearningRate
        with self.assertRaisesRegex(ValueError, "total_steps=0"):
            make(0.1, 0)
        with self.assertRaisesRegex(ValueError, "pct_start=1.5"):
            make(0.1, 100, pct_start=1.5)
        with self.assertRaisesRegex(ValueError, "anneal_strategy='exp'"):
            make(0.1, 100, anneal_strategy="exp")
        with self.assertRaisesRegex(ValueError, "phase 1 would end"):
            make(0.1, 3, pct_start=0.3)
        with self.assertRaisesRegex(ValueError, "phase 2 would end"):
            make(0.1, 100, pct_start=1.0)

    def test_correctness_against_reference(self):
        # float32 cos(pi f) + 1 near f = 1, where the rate is annealed to
        # 2.5e5 times below the peak, loses about 1e-6 of relative precision.
        for options in ({}, {"anneal_strategy": "linear"},
                        {"three_phase": True, "pct_start": 0.4,
                         "div_factor": 10.0, "final_div_factor": 100.0}):
            schedule = kerastricks.schedules.OneCycleLearningRate(
                0.2, 50, **options)
            self.assertAllClose(
                _values(schedule),
                reference.np_one_cycle(_STEPS, 0.2, 50, **options),
                atol=1e-9, rtol=2e-6, msg=str(options))


class WarmupStableDecayTest(testing.TestCase):
    def test_invalid_args(self):
        make = kerastricks.schedules.WarmupStableDecay
        with self.assertRaisesRegex(ValueError, "decay_steps=0"):
            make(1e-3, 10, 10, 0)
        with self.assertRaisesRegex(ValueError, "warmup_steps=-1"):
            make(1e-3, -1, 10, 10)
        with self.assertRaisesRegex(TypeError, "stable_steps=2.5"):
            make(1e-3, 1, 2.5, 10)
        with self.assertRaisesRegex(ValueError, "decay_shape='step'"):
            make(1e-3, 1, 1, 10, decay_shape="step")
        with self.assertRaisesRegex(ValueError, "never reaches 0"):
            make(1e-3, 1, 1, 10, decay_shape="exponential")

    def test_correctness_against_reference(self):
        for shape in ("linear", "cosine", "1-sqrt", "exponential"):
            schedule = kerastricks.schedules.WarmupStableDecay(
                0.01, 10, 25, 20, initial_learning_rate=1e-4,
                final_learning_rate=1e-5, decay_shape=shape)
            self.assertAllClose(
                _values(schedule),
                reference.np_warmup_stable_decay(
                    _STEPS, 0.01, 10, 25, 20, initial=1e-4, final=1e-5,
                    decay_shape=shape),
                atol=1e-9, rtol=1e-6, msg=shape)
        no_warmup = kerastricks.schedules.WarmupStableDecay(0.01, 0, 0, 4)
        self.assertAllClose(_values(no_warmup, [0, 2, 4, 9]),
                            [0.01, 0.005, 0.0, 0.0], atol=1e-9)
