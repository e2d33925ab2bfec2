import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import flora as reference


def _numpy(value):
    return keras.ops.convert_to_numpy(value)


def _randomize_adapter(layer, seed):
    rng = np.random.default_rng(seed)
    layer.core.assign(rng.normal(size=layer.core.shape).astype("float32"))
    for factor in layer.factors:
        factor.assign(rng.normal(size=factor.shape).astype("float32"))


class FLoRATest(testing.TestCase):
    def test_invalid_args(self):
        flora = kerastricks.layers.FLoRA
        with self.assertRaisesRegex(ValueError, "Conv2DTranspose"):
            flora(keras.layers.Conv2DTranspose(2, 3))
        with self.assertRaisesRegex(ValueError, "DepthwiseConv2D"):
            flora(keras.layers.DepthwiseConv2D(3))
        with self.assertRaisesRegex(ValueError, r"4 for this layer.*"
                                    r"rank=\(2, 2\)"):
            flora(keras.layers.Conv2D(2, 3), rank=(2, 2))
        with self.assertRaisesRegex(ValueError, "rank=0"):
            flora(keras.layers.Dense(2), rank=0)
        with self.assertRaisesRegex(TypeError, "rank=2.5"):
            flora(keras.layers.Dense(2), rank=2.5)
        with self.assertRaisesRegex(ValueError, "scale=-1.0"):
            flora(keras.layers.Dense(2), scale=-1.0)
        lora = keras.layers.Dense(2)
        lora.build((None, 3))
        lora.enable_lora(1)
        with self.assertRaisesRegex(ValueError, "LoRA"):
            flora(lora)
        quantized = keras.layers.Dense(2)
        quantized.build((None, 3))
        quantized.quantize("int8")
        with self.assertRaisesRegex(ValueError, "quantized"):
            flora(quantized)

    def test_config(self):
        revived = self.run_serialization_test(kerastricks.layers.FLoRA(
            keras.layers.Conv1D(3, 2, padding="causal"), rank=(1, 2, 3),
            scale=4.0))
        self.assertEqual(revived.rank, (1, 2, 3))
        self.assertEqual(revived.scale, 4.0)
        self.assertFalse(revived.layer.trainable)
        self.assertEqual(kerastricks.layers.FLoRA(
            keras.layers.Dense(2)).rank, 8)

    def test_zero_core_leaves_outputs_unchanged(self):
        rng = np.random.default_rng(0)
        cases = [
            (keras.layers.Dense(3, activation="tanh"), (2, 4, 5)),
            (keras.layers.Conv1D(3, 3, padding="causal", dilation_rate=2),
             (2, 7, 2)),
            (keras.layers.Conv2D(4, 3, strides=2, padding="same",
                                 data_format="channels_first"),
             (2, 3, 6, 6)),
        ]
        for base, shape in cases:
            x = rng.normal(size=shape).astype("float32")
            expected = _numpy(base(x))
            wrapped = kerastricks.layers.FLoRA(base, rank=2)
            self.assertAllEqual(wrapped(x), expected)
            self.assertAllEqual(wrapped.merged_kernel(), base.kernel)

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(2, 5, 5, 3)).astype("float32")
        layer = kerastricks.layers.FLoRA(keras.layers.Conv2D(4, 3),
                                         rank=(2, 3, 2, 3), scale=0.5)
        layer.build(x.shape)
        _randomize_adapter(layer, 2)
        kernel, bias = _numpy(layer.layer.kernel), _numpy(layer.layer.bias)
        delta = reference.np_flora_delta(
            _numpy(layer.core), [_numpy(f) for f in layer.factors], 0.5)
        self.assertAllClose(kerastricks.ops.flora_delta(
            layer.core, layer.factors, 0.5), delta, atol=1e-5, rtol=1e-5)
        self.assertAllClose(layer.merged_kernel(), kernel + delta,
                            atol=1e-5, rtol=1e-5)
        self.assertAllClose(
            layer(x), reference.np_conv2d_valid(x, kernel + delta, bias),
            atol=1e-4, rtol=1e-5)
        dense = kerastricks.layers.FLoRA(keras.layers.Dense(3), rank=2)
        tokens = rng.normal(size=(2, 4, 5)).astype("float32")
        dense.build(tokens.shape)
        _randomize_adapter(dense, 3)
        delta = reference.np_flora_delta(
            _numpy(dense.core), [_numpy(f) for f in dense.factors])
        self.assertAllClose(
            dense(tokens), reference.np_dense(
                tokens, _numpy(dense.layer.kernel) + delta,
                _numpy(dense.layer.bias)), atol=1e-5, rtol=1e-5)

    def test_merged_kernel_in_a_plain_layer_gives_the_same_outputs(self):
        rng = np.random.default_rng(4)
        for base, shape in (
                (keras.layers.Conv2D(4, 3, groups=2), (2, 5, 5, 4)),
                (keras.layers.Conv3D(2, 2, strides=2), (1, 4, 4, 4, 3))):
            x = rng.normal(size=shape).astype("float32")
            wrapped = kerastricks.layers.FLoRA(base, rank=2)
            wrapped.build(x.shape)
            _randomize_adapter(wrapped, 5)
            plain = base.__class__.from_config(base.get_config())
            plain.build(x.shape)
            plain.set_weights([_numpy(wrapped.merged_kernel()),
                               _numpy(base.bias)])
            self.assertAllClose(wrapped(x), plain(x), atol=1e-5, rtol=1e-5)

    def test_only_the_adapter_trains(self):
        # Trainable parameters: prod(r_i) + sum(n_i * r_i).
        x = np.random.default_rng(6).normal(size=(8, 6, 6, 2))
        y = np.random.default_rng(7).normal(size=(8, 4, 4, 3))
        conv = keras.layers.Conv2D(3, 3)
        wrapped = kerastricks.layers.FLoRA(conv, rank=(2, 2, 2, 3))
        model = keras.Sequential([keras.Input((6, 6, 2)), wrapped])
        count = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        self.assertEqual(count, 2 * 2 * 2 * 3 + 3 * 2 + 3 * 2 + 2 * 2
                         + 3 * 3)
        kernel, bias = _numpy(conv.kernel), _numpy(conv.bias)
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        model.fit(x.astype("float32"), y.astype("float32"), epochs=2,
                  batch_size=4, verbose=0)
        self.assertAllEqual(conv.kernel, kernel)
        self.assertAllEqual(conv.bias, bias)
        self.assertGreater(float(np.abs(_numpy(wrapped.core)).max()), 0.0)
        self.assertAllClose(wrapped.merged_kernel(),
                            kernel + _numpy(wrapped.delta()))
