"""The argument and call-time check functions of
`kerastricks.utils.validation` (the constructor fuzz over every export is
`tests/common/fuzz_test.py`, the invalid-call table
`tests/common/invalid_calls_test.py`)."""

import keras

from kerastricks import testing
from kerastricks.utils import validation

NAN, INF = float("nan"), float("inf")


class ValidationFunctionsTest(testing.TestCase):
    def test_check_number_rejects_non_finite(self):
        for value in (NAN, INF, -INF):
            with self.assertRaisesRegex(ValueError, "`rate`"):
                validation.check_number("rate", value)
        self.assertEqual(validation.check_number("rate", INF,
                                                 allow_infinite=True), INF)
        with self.assertRaisesRegex(TypeError, "rate=True"):
            validation.check_number("rate", True)

    def test_check_learning_rate(self):
        for value in (NAN, INF, -INF, -0.1):
            with self.assertRaisesRegex(ValueError, "learning_rate="):
                validation.check_learning_rate("learning_rate", value)
        for value in (None, True, "fast"):
            with self.assertRaisesRegex(TypeError, "learning_rate="):
                validation.check_learning_rate("learning_rate", value)
        schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
        self.assertIs(validation.check_learning_rate("learning_rate",
                                                     schedule), schedule)
        self.assertEqual(validation.check_learning_rate("learning_rate", 0.0),
                         0.0)

    def test_check_positive_int_sequence(self):
        self.assertEqual(validation.check_positive_int_sequence("bins",
                                                                [1, 2]),
                         (1, 2))
        for value, error in ((None, TypeError), (3, TypeError),
                             ((), ValueError), ((1, 0), ValueError),
                             ((1, True), TypeError)):
            with self.assertRaisesRegex(error, "bins"):
                validation.check_positive_int_sequence("bins", value)

    def test_loss_input_checks_are_static(self):
        # Symbolic tensors: the checks need shapes and dtypes only.
        logits = keras.KerasTensor((None, 5), dtype="float32")
        ids = keras.KerasTensor((None,), dtype="int32")
        validation.check_loss_inputs("Loss", ids, logits, labels="sparse")
        with self.assertRaisesRegex(TypeError, "integer class ids"):
            validation.check_loss_inputs(
                "Loss", keras.KerasTensor((None,), dtype="float32"), logits,
                labels="sparse")
        with self.assertRaisesRegex(ValueError, r"\(None, 4\)"):
            validation.check_loss_inputs(
                "Loss", keras.KerasTensor((None, 4), dtype="float32"),
                logits, labels="dense")
        with self.assertRaisesRegex(ValueError, "labels='onehot'"):
            validation.check_loss_inputs("Loss", ids, logits,
                                         labels="onehot")
