"""The harness checks bite: each one fails on a component built to break
it."""

import keras
import numpy as np
import pytest
from keras import ops

from kerastricks import testing
from tests.references import ops as ops_reference

pytestmark = [pytest.mark.requires_trainable_backend]


@keras.saving.register_keras_serializable(package="kerastricks")
class Float32OutputDense(keras.layers.Dense):
    """Ignores the compute dtype: always returns float32."""

    def call(self, inputs):
        return ops.cast(super().call(inputs), "float32")

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(self.compute_output_shape(inputs.shape),
                                 dtype="float32")


@keras.saving.register_keras_serializable(package="kerastricks")
class WrongSpecDense(keras.layers.Dense):
    """Declares one unit too many in its output shape."""

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units + 1,)


@keras.saving.register_keras_serializable(package="kerastricks")
class SeedIgnoringDropout(keras.layers.Layer):
    """Has a seed generator but always draws with seed 0."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if training:
            return keras.random.dropout(inputs, 0.5, seed=0)
        return inputs

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="kerastricks")
class KeywordMaskedScale(keras.layers.Layer):
    """Scales `query` by the mean of `value`, both passed by keyword, and
    keeps `query`'s mask: its first call input is `query`, whatever the
    order of the input dict."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, query, value):
        return query * ops.mean(value)

    def compute_mask(self, query, mask=None):
        if mask is not None and tuple(mask.shape) != tuple(query.shape[:-1]):
            raise ValueError(
                f"The mask of `query` {tuple(query.shape)} must have shape "
                f"{tuple(query.shape[:-1])}. Received: {tuple(mask.shape)}")
        return mask

    def compute_output_shape(self, query_shape, value_shape):
        return query_shape


@keras.saving.register_keras_serializable(package="kerastricks")
class PairMaskedSum(keras.layers.Layer):
    """Adds a pair of tensors passed as one positional list; the mask is
    the first tensor's."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs[0] + inputs[1]

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != 2:
            raise ValueError(
                f"A pair of inputs takes a pair of masks. Received: {mask!r}")
        return mask[0]

    def compute_output_shape(self, input_shape):
        return input_shape[0]


@keras.saving.register_keras_serializable(package="kerastricks")
class HalfGradientStableMax(keras.losses.Loss):
    """The right values, but half the gradient."""

    def call(self, y_true, y_pred):
        half = 0.5 * _stablemax_ce(y_true, y_pred)
        return ops.stop_gradient(half) + half


def _stablemax_ce(y_true, y_pred):
    s = ops.where(y_pred >= 0, y_pred + 1.0, 1.0 / (1.0 - y_pred))
    probabilities = s / ops.sum(s, axis=-1, keepdims=True)
    picked = ops.take_along_axis(
        probabilities, ops.cast(ops.reshape(y_true, (-1, 1)), "int32"),
        axis=-1)
    return -ops.log(picked[:, 0])


class BFloat16Slots(keras.optimizers.SGD):
    """Keeps a running gradient sum in bfloat16."""

    def build(self, variables):
        super().build(variables)
        self.gradient_sum = self.add_variable((), dtype="bfloat16",
                                              name="gradient_sum")

    def update_step(self, gradient, variable, learning_rate):
        self.assign_add(self.gradient_sum,
                        ops.cast(ops.sum(gradient), "bfloat16"))
        super().update_step(gradient, variable, learning_rate)


X = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")


class HarnessTest(testing.TestCase):
    def test_layer_outputs_must_follow_the_compute_dtype(self):
        with self.assertRaisesRegex(AssertionError, "bfloat16"):
            self.run_layer_test(Float32OutputDense, {"units": 2}, X,
                                run_training_check=False,
                                run_saving_check=False)

    def test_layer_output_must_match_its_spec(self):
        with self.assertRaises(AssertionError):
            self.run_layer_test(WrongSpecDense, {"units": 2}, X,
                                run_training_check=False,
                                run_mixed_precision_check=False,
                                run_saving_check=False)

    def test_seed_must_matter(self):
        with self.assertRaisesRegex(AssertionError, "another seed"):
            self.run_layer_test(SeedIgnoringDropout, {"seed": 1}, X,
                                expected_num_seed_generators=1,
                                run_training_check=False,
                                run_mixed_precision_check=False,
                                run_saving_check=False)

    def test_loss_gradient_must_match_the_reference(self):
        logits = np.random.default_rng(1).normal(size=(4, 3)).astype(
            "float32")
        labels = np.array([0, 2, 1, 1])
        with self.assertRaisesRegex(AssertionError, "gradient"):
            self.run_loss_test(HalfGradientStableMax(), None,
                               ops_reference.np_stablemax_cross_entropy,
                               labels, logits, atol=1e-5, rtol=1e-5)

    def test_slots_must_stay_float32(self):
        with self.assertRaisesRegex(AssertionError, "float32"):
            self.run_optimizer_mixed_precision_test(
                lambda: BFloat16Slots(learning_rate=0.1), epochs=1)

    def test_masking_check_reads_the_first_call_input_by_keyword(self):
        rng = np.random.default_rng(0)
        inputs = {"value": rng.normal(size=(4, 5)).astype("float32"),
                  "query": rng.normal(size=(4, 3, 2)).astype("float32")}
        self.run_layer_test(KeywordMaskedScale, {}, inputs,
                            expected_output_shape=(4, 3, 2),
                            supports_masking=True, run_training_check=False,
                            run_mixed_precision_check=False,
                            run_saving_check=False)

    def test_masking_check_masks_each_tensor_of_a_nested_input(self):
        rng = np.random.default_rng(0)
        pair = [rng.normal(size=(4, 3, 2)).astype("float32")
                for _ in range(2)]
        self.run_layer_test(PairMaskedSum, {}, pair,
                            expected_output_shape=(4, 3, 2),
                            supports_masking=True, run_training_check=False,
                            run_mixed_precision_check=False,
                            run_saving_check=False)
