import os
import tempfile

import keras
import numpy as np

import kerastricks
from kerastricks import testing

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 5)).astype("float32")
Y = RNG.normal(size=(8, 3)).astype("float32")


def pruned_model(sparsity=0.5):
    layer = kerastricks.layers.PrunedDense(3, name="pruned")
    model = keras.Sequential([keras.Input((5,)), layer])
    mask = kerastricks.ops.magnitude_pruning_mask(
        keras.ops.abs(layer.kernel), layer.kernel_mask, sparsity)
    layer.kernel_mask.assign(mask)
    return model, layer


class PrunedDenseTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "units=0"):
            kerastricks.layers.PrunedDense(0)
        with self.assertRaisesRegex(TypeError, "use_bias='yes'"):
            kerastricks.layers.PrunedDense(2, use_bias="yes")

    def test_config(self):
        layer = kerastricks.layers.PrunedDense(4, activation="relu",
                                               use_bias=False)
        self.run_serialization_test(layer)
        config = layer.get_config()
        self.assertEqual((config["units"], config["use_bias"]), (4, False))

    def test_correctness_against_reference(self):
        _, layer = pruned_model()
        layer.bias.assign(RNG.normal(size=(3,)).astype("float32"))
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        mask = keras.ops.convert_to_numpy(layer.kernel_mask)
        bias = keras.ops.convert_to_numpy(layer.bias)
        self.assertEqual(int(mask.sum()), 15 - 8)  # round(0.5 * 15) = 8
        self.assertAllClose(layer(X), X @ (kernel * mask) + bias,
                            atol=1e-5, rtol=1e-5)  # float32 matmul

    def test_pruned_weights_stay_zero_through_compiled_fit(self):
        model, layer = pruned_model(sparsity=0.6)
        layer.kernel.assign(layer.kernel * layer.kernel_mask)
        mask = keras.ops.convert_to_numpy(layer.kernel_mask)
        model.compile(optimizer=keras.optimizers.Adam(0.1, weight_decay=0.01),
                      loss="mse", jit_compile="auto")
        model.fit(X, Y, epochs=3, batch_size=4, verbose=0)
        kernel = keras.ops.convert_to_numpy(layer.kernel)
        self.assertAllEqual(kernel[mask == 0],
                            np.zeros(int((mask == 0).sum())))
        self.assertTrue(np.all(kernel[mask == 1] != 0))
        self.assertAllEqual(layer.kernel_mask, mask)

    def test_mask_survives_saving(self):
        model, layer = pruned_model(sparsity=0.7)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "pruned.keras")
            model.save(path)
            loaded = keras.saving.load_model(path)
        self.assertAllEqual(loaded.get_layer("pruned").kernel_mask,
                            layer.kernel_mask)
        self.assertAllClose(loaded(X), model(X))
