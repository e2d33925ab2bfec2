import keras

import kerastricks
from kerastricks import testing


class IntervalBoundPropagationTest(testing.TestCase):
    def test_invalid_args(self):
        inner = testing.problems.mlp(outputs=3)
        make = kerastricks.models.IntervalBoundPropagation
        with self.assertRaisesRegex(ValueError, "epsilon=0"):
            make(inner, epsilon=0)
        with self.assertRaisesRegex(ValueError, "kappa=1.5"):
            make(inner, epsilon=0.1, kappa=1.5)
        with self.assertRaisesRegex(TypeError, "ramp_steps=2.5"):
            make(inner, epsilon=0.1, ramp_steps=2.5)
        with self.assertRaisesRegex(ValueError, "clip_min=1.0, clip_max=0.0"):
            make(inner, epsilon=0.1, clip_min=1.0, clip_max=0.0)

    def test_schedule_follows_the_paper(self):
        model = kerastricks.models.IntervalBoundPropagation(
            testing.problems.mlp(outputs=3), epsilon=0.4, kappa=0.5,
            warmup_steps=10, ramp_steps=20)
        for step, epsilon, kappa in ((0, 0.0, 1.0), (10, 0.0, 1.0),
                                     (20, 0.2, 0.75), (30, 0.4, 0.5),
                                     (99, 0.4, 0.5)):
            values = [float(value) for value in model.schedule(step)]
            self.assertAllClose(values, [epsilon, kappa])

    def test_loss_mixes_nominal_and_worst_case(self):
        # After the ramp the training loss is 0.5 nominal + 0.5 worst case,
        # recomputed here from the utility; SGD(0) keeps the weights.
        x, y = testing.problems.blobs(num_examples=8)
        inner = testing.problems.mlp(outputs=3)
        model = kerastricks.models.IntervalBoundPropagation(
            inner, epsilon=0.3, warmup_steps=0, ramp_steps=0)
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss=loss)
        logs = model.train_on_batch(x, y, return_dict=True)
        lower, upper = kerastricks.utils.interval_bounds(inner, x, 0.3)
        worst = kerastricks.ops.worst_case_logits(lower, upper, y)
        expected = 0.5 * float(loss(y, inner(x))) + 0.5 * float(loss(y,
                                                                    worst))
        self.assertAllClose(logs["loss"], expected, atol=1e-5, rtol=1e-5)
        self.assertGreater(float(loss(y, worst)), float(loss(y, inner(x))))
