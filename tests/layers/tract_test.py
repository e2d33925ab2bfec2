import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.references import tract as reference

# Conv2D configurations: name, (kernel_size, strides, padding,
# dilation_rate, use_bias, image size); batches of 2. The "few_rows" ones
# have fewer patch rows than kernel features (N < d): the b x b branch.
CONV_CASES = {
    "valid": ((3, 3), (1, 1), "valid", (1, 1), True, (6, 5)),
    "same_strided": ((3, 3), (2, 2), "same", (1, 1), True, (7, 6)),
    "same_uneven": ((2, 3), (2, 1), "same", (1, 1), False, (5, 6)),
    "same_dilated": ((3, 3), (1, 1), "same", (2, 2), True, (6, 6)),
    "valid_dilated": ((3, 2), (1, 1), "valid", (2, 1), False, (7, 5)),
    "few_rows": ((3, 3), (1, 1), "valid", (1, 1), True, (4, 5)),
    "few_rows_strided": ((4, 4), (3, 3), "valid", (1, 1), False, (7, 7)),
}
# Dense configurations: name, (input shape, use_bias, activation); batches
# of 12 rows or more.
DENSE_CASES = {
    "rows_at_least_features": ((12, 5), True, None),
    "rows_fewer_than_features": ((12, 16), True, None),
    "three_d_inputs": ((12, 2, 5), True, None),
    "three_d_few_rows_no_bias": ((12, 1, 20), False, None),
    "relu": ((12, 5), True, "relu"),
}
# Float32 solves against a float64 reference.
SOLVE_TOLERANCE = 2e-5


def linear_loss(y_true, y_pred):
    """`sum(y_true * y_pred)`: the upstream gradient is exactly y_true."""
    return keras.ops.sum(y_true * y_pred)


def sgd_step(branches, jit_compile="auto", run_eagerly=False):
    """One `SGD(learning_rate=1)` step of a model made of independent
    branches `[(layers, x, upstream), ...]`, all in one train step (one
    compilation); returns each branch's weight changes."""
    inputs, outputs, before = [], [], []
    for layers, x, _ in branches:
        tensor = keras.Input(x.shape[1:])
        inputs.append(tensor)
        for layer in layers:
            tensor = layer(tensor)
        outputs.append(tensor)
        before.append([np.array(w) for layer in layers
                       for w in layer.get_weights()])
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0),
                  loss=[linear_loss] * len(branches),
                  jit_compile=jit_compile, run_eagerly=run_eagerly)
    model.train_on_batch([x for _, x, _ in branches],
                         [upstream for _, _, upstream in branches])
    return [
        [b - np.array(a) for b, a in zip(
            old, [w for layer in layers for w in layer.get_weights()])]
        for old, (layers, _, _) in zip(before, branches)
    ]


def conv_pair(case, data_format="channels_last", seed=0):
    """Inputs and two identical built Conv2D layers for a CONV_CASES case."""
    kernel_size, strides, padding, dilation_rate, use_bias, size = case
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(2,) + size + (3,)).astype("float32")
    if data_format == "channels_first":
        x = np.transpose(x, (0, 3, 1, 2))

    def make():
        return keras.layers.Conv2D(
            4, kernel_size, strides=strides, padding=padding,
            dilation_rate=dilation_rate, use_bias=use_bias,
            data_format=data_format, bias_initializer="glorot_uniform")

    inner, plain = make(), make()
    inner.build(x.shape)
    plain.build(x.shape)
    plain.set_weights(inner.get_weights())
    return x, inner, plain


def dense_pair(units, x, use_bias=True, activation=None):
    """Two identical built Dense layers for inputs x."""
    def make():
        return keras.layers.Dense(units, use_bias=use_bias,
                                  activation=activation,
                                  bias_initializer="glorot_uniform")

    inner, plain = make(), make()
    inner.build(x.shape)
    plain.build(x.shape)
    plain.set_weights(inner.get_weights())
    return inner, plain


def channels_last(y, data_format):
    if data_format == "channels_first":
        return np.transpose(y, (0, 2, 3, 1))
    return y


def upstream_for(layer, x, seed):
    shape = tuple(layer.compute_output_shape(x.shape))
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


class TrActTest(testing.TestCase):
    def test_invalid_args(self):
        dense = keras.layers.Dense(3)
        with self.assertRaisesRegex(ValueError, "lambda_=0"):
            kerastricks.layers.TrAct(dense, lambda_=0)
        with self.assertRaisesRegex(ValueError, "lambda_=-0.1"):
            kerastricks.layers.TrAct(dense, lambda_=-0.1)
        with self.assertRaisesRegex(TypeError, "lambda_=None"):
            kerastricks.layers.TrAct(dense, lambda_=None)
        with self.assertRaisesRegex(ValueError, "Conv2D.*Received: layer="):
            kerastricks.layers.TrAct(keras.layers.Conv1D(2, 3))
        with self.assertRaisesRegex(ValueError, "Received: layer="):
            kerastricks.layers.TrAct(keras.layers.DepthwiseConv2D(3))
        with self.assertRaisesRegex(ValueError, "supported layer type"):
            kerastricks.layers.TrAct("dense")

        class CustomDense(keras.layers.Dense):
            def call(self, inputs):
                return super().call(inputs) * 2.0

        with self.assertRaisesRegex(ValueError, "not overridden"):
            kerastricks.layers.TrAct(CustomDense(3))
        with self.assertRaisesRegex(ValueError, "groups=2"):
            kerastricks.layers.TrAct(keras.layers.Conv2D(4, 3, groups=2))
        with self.assertRaisesRegex(ValueError, "rank 4"):
            kerastricks.layers.TrAct(keras.layers.Conv2D(4, 3))(
                np.ones((2, 5, 3), "float32"))
        with self.assertRaisesRegex(TypeError, "floating point"):
            kerastricks.layers.TrAct(keras.layers.Dense(2))(
                np.ones((2, 3), "int32"))
        lora = keras.layers.Dense(2)
        wrapped = kerastricks.layers.TrAct(lora)
        wrapped(np.ones((2, 3), "float32"))
        lora.enable_lora(1)
        with self.assertRaisesRegex(ValueError, "LoRA"):
            wrapped(np.ones((2, 3), "float32"))

    def test_config(self):
        layer = kerastricks.layers.TrAct(
            keras.layers.Conv2D(4, 3, strides=2, padding="same",
                                activation="relu"),
            lambda_=0.3, name="first")
        revived = self.run_serialization_test(layer)
        self.assertEqual(revived.lambda_, 0.3)
        self.assertIsInstance(revived.layer, keras.layers.Conv2D)
        self.assertEqual(revived.layer.strides, (2, 2))
        self.assertEqual(kerastricks.layers.TrAct(
            keras.layers.Dense(2)).lambda_, 0.1)

    def test_basics(self):
        rng = np.random.default_rng(0)
        # The compiled fit and mixed precision checks run for Conv2D only:
        # on torch each jit_compile=True fit costs a torch.compile.
        self.run_layer_test(
            kerastricks.layers.TrAct,
            {"layer": keras.layers.Dense(3, activation="tanh")},
            rng.normal(size=(4, 2, 5)).astype("float32"),
            expected_output_shape=(4, 2, 3),
            expected_num_trainable_weights=2,
            expected_num_non_trainable_weights=0,
            run_training_check=False,
            run_mixed_precision_check=False,
        )
        self.run_layer_test(
            kerastricks.layers.TrAct,
            {"layer": keras.layers.Conv2D(2, 3, strides=2, padding="same",
                                          use_bias=False),
             "lambda_": 0.5},
            rng.normal(size=(2, 5, 5, 3)).astype("float32"),
            expected_output_shape=(2, 3, 3, 2),
            expected_num_trainable_weights=1,
            expected_num_non_trainable_weights=0,
        )

    @parameterized.named_parameters(
        ("dense", None), ("dense_relu", "relu"),
        ("conv", "channels_last"), ("conv_channels_first", "channels_first"))
    def test_forward_equals_the_wrapped_layer(self, kind):
        if kind in ("channels_last", "channels_first"):
            x, inner, plain = conv_pair(CONV_CASES["same_strided"], kind)
        else:
            x = np.random.default_rng(1).normal(size=(3, 2, 5)).astype(
                "float32")
            inner, plain = dense_pair(4, x, activation=kind)
        self.assertAllEqual(kerastricks.layers.TrAct(inner)(x), plain(x))

    def test_correctness_against_reference_dense(self):
        # One SGD(learning_rate=1) step moves the kernel by minus the
        # paper's closed form.
        rng = np.random.default_rng(2)
        branches, expected = [], []
        for shape, use_bias, activation in DENSE_CASES.values():
            x = rng.normal(size=shape).astype("float32")
            upstream = rng.normal(size=shape[:-1] + (4,)).astype("float32")
            inner, _ = dense_pair(4, x, use_bias, activation)
            rows = x.reshape(-1, shape[-1])
            upstream_rows = upstream.reshape(-1, 4)
            if activation == "relu":
                kernel, bias = inner.get_weights()
                upstream_rows = upstream_rows * (rows @ kernel + bias > 0)
            branches.append(([kerastricks.layers.TrAct(inner)], x, upstream))
            expected.append((rows, upstream_rows, np.array(inner.kernel),
                             use_bias))
        deltas = sgd_step(branches)
        for name, delta, (rows, upstream_rows, kernel, use_bias) in zip(
                DENSE_CASES, deltas, expected):
            gradient = reference.np_tract_kernel_gradient(
                rows, upstream_rows, 0.1)
            tolerance = SOLVE_TOLERANCE * np.abs(gradient).max()
            self.assertAllClose(delta[0], gradient, atol=tolerance, rtol=0,
                                msg=name)
            # The paper's two-step procedure, solved by least squares.
            self.assertAllClose(
                kernel - delta[0],
                reference.np_tract_step(rows, upstream_rows, kernel, 1.0,
                                        0.1),
                atol=tolerance, rtol=0, msg=name)
            if use_bias:
                self.assertAllClose(delta[1], upstream_rows.sum(0),
                                    atol=1e-5, rtol=1e-5, msg=name)

    @parameterized.named_parameters(("channels_last", "channels_last"),
                                    ("channels_first", "channels_first"))
    def test_correctness_against_reference_conv2d(self, data_format):
        # channels_first reuses the data-format-independent patch code, so
        # two cases (one per branch) are enough there.
        names = (list(CONV_CASES) if data_format == "channels_last"
                 else ["same_strided", "few_rows"])
        branches, expected = [], []
        for seed, name in enumerate(names):
            case = CONV_CASES[name]
            x, inner, _ = conv_pair(case, data_format, seed)
            upstream = upstream_for(inner, x, seed)
            branches.append(([kerastricks.layers.TrAct(inner)], x, upstream))
            expected.append(reference.np_tract_conv2d_kernel_gradient(
                channels_last(x, data_format),
                channels_last(upstream, data_format),
                tuple(inner.kernel.shape), *case[1:4], 0.1))
            if case[4]:
                expected.append(
                    channels_last(upstream, data_format).sum((0, 1, 2)))
        deltas = sgd_step(branches)
        for name, delta in zip(names, deltas):
            gradient = expected.pop(0)
            self.assertAllClose(delta[0], gradient,
                                atol=SOLVE_TOLERANCE * np.abs(
                                    gradient).max(), rtol=0, msg=name)
            if len(delta) == 2:
                self.assertAllClose(delta[1], expected.pop(0), atol=1e-5,
                                    rtol=1e-5, msg=name)

    def test_bias_and_input_gradients_equal_the_plain_layers(self):
        # A trainable layer before the wrapped one: its step depends on
        # the wrapped layer's input gradient.
        rng = np.random.default_rng(5)
        branches = []
        x_dense = rng.normal(size=(2, 3)).astype("float32")
        x_conv = rng.normal(size=(2, 7, 6, 2)).astype("float32")
        for x, make in ((x_dense, lambda: keras.layers.Dense(5)),
                        (x_conv, lambda: keras.layers.Conv2D(3, 1))):
            first, twin = make(), make()
            first.build(x.shape)
            twin.build(x.shape)
            twin.set_weights(first.get_weights())
            features = keras.ops.convert_to_numpy(first(x))
            if x is x_dense:
                inner, plain = dense_pair(4, features)
            else:
                _, inner, plain = conv_pair(CONV_CASES["same_strided"])
            upstream = upstream_for(plain, features, seed=len(branches))
            branches.append(([first, kerastricks.layers.TrAct(inner)], x,
                             upstream))
            branches.append(([twin, plain], x, upstream))
        # Eager on TensorFlow: its graph-mode (non-XLA) train step on CPU
        # (TF 2.21) sometimes computes a second layer's kernel gradient from
        # the already-updated first layer (plain Dense layers too), which
        # would make this two-layer comparison flaky there.
        deltas = sgd_step(
            branches, run_eagerly=keras.config.backend() == "tensorflow")
        for ours, baseline in (deltas[:2], deltas[2:]):
            self.assertAllClose(ours[:2], baseline[:2], atol=1e-5, rtol=1e-5)
            self.assertAllClose(ours[3], baseline[3], atol=1e-5, rtol=1e-5)
            self.assertFalse(np.allclose(ours[2], baseline[2], atol=1e-3))

    def test_contrast_invariance(self):
        # z = x @ W. After one SGD step the pre-activations move by
        # x @ dW: for plain SGD, scaling x by 10 scales that by 100; with
        # TrAct and a small lambda it stays the same (the paper's claim).
        rng = np.random.default_rng(6)
        x = rng.normal(size=(32, 4)).astype("float32")
        upstream = rng.normal(size=(32, 3)).astype("float32") / 32
        branches = []
        for wrap in (True, False):
            for scale in (1.0, 10.0):
                inner, _ = dense_pair(3, x, use_bias=False)
                layer = (kerastricks.layers.TrAct(inner, lambda_=1e-4)
                         if wrap else inner)
                branches.append(([layer], scale * x, upstream))
        changes = [np.linalg.norm(x_ @ delta[0]) for (_, x_, _), delta in
                   zip(branches, sgd_step(branches))]
        self.assertAllClose(changes[1] / changes[0], 1.0, atol=1e-2, rtol=0)
        self.assertAllClose(changes[3] / changes[2], 100.0, atol=0,
                            rtol=1e-4)

    def test_large_lambda_gives_plain_sgd_scaled_by_lambda(self):
        x, inner, plain = conv_pair(CONV_CASES["valid"])
        upstream = upstream_for(plain, x, seed=7)
        ours, baseline = sgd_step([
            ([kerastricks.layers.TrAct(inner, lambda_=1e4)], x, upstream),
            ([plain], x, upstream),
        ])
        self.assertAllClose(1e4 * ours[0], baseline[0],
                            atol=1e-3 * np.abs(baseline[0]).max(), rtol=0)

    def test_jit_compile(self):
        # "auto" leaves torch eager elsewhere; here every backend compiles
        # (XLA on JAX and TensorFlow, torch.compile on torch). One Conv2D
        # in the b x b branch: the Dense path shares the custom gradient.
        x, conv, _ = conv_pair(CONV_CASES["few_rows_strided"])
        upstream = upstream_for(conv, x, seed=8)
        (delta,) = sgd_step([([kerastricks.layers.TrAct(conv)], x,
                              upstream)], jit_compile=True)
        expected = reference.np_tract_conv2d_kernel_gradient(
            x, upstream, tuple(conv.kernel.shape), (3, 3), "valid", (1, 1),
            0.1)
        self.assertAllClose(delta[0], expected,
                            atol=SOLVE_TOLERANCE * np.abs(expected).max(),
                            rtol=0)

    def test_mixed_bfloat16(self):
        rng = np.random.default_rng(9)
        x = rng.normal(size=(2, 6, 6, 3)).astype("float32")
        with testing.dtype_policy("mixed_bfloat16"):
            inner = keras.layers.Conv2D(4, 3, padding="same")
            layer = kerastricks.layers.TrAct(inner)
            self.assertDType(layer(x), "bfloat16")
            self.assertDType(inner.kernel, "float32")
            upstream = upstream_for(inner, x, seed=9)
            kernel = np.array(inner.kernel)
            (delta,) = sgd_step([([layer], x, upstream)])

        def rounded(a):
            return keras.ops.convert_to_numpy(keras.ops.cast(
                keras.ops.cast(a, "bfloat16"), "float32"))

        expected = reference.np_tract_conv2d_kernel_gradient(
            rounded(x), rounded(upstream), kernel.shape, (1, 1), "same",
            (1, 1), 0.1)
        # The gradient reaches the float32 variable through a bfloat16
        # cast, as for a plain layer: bfloat16 precision.
        self.assertAllClose(delta[0], expected,
                            atol=1e-2 * np.abs(expected).max(), rtol=1e-2)

    def test_saving_keeps_the_tract_gradient(self):
        x, inner, plain = conv_pair(CONV_CASES["same_strided"])
        inputs = keras.Input(x.shape[1:])
        model = keras.Model(inputs,
                            kerastricks.layers.TrAct(inner, 0.2)(inputs))
        loaded = self.run_saving_test(model, x).layers[-1]
        self.assertIsInstance(loaded, kerastricks.layers.TrAct)
        self.assertEqual(loaded.lambda_, 0.2)
        upstream = upstream_for(plain, x, seed=10)
        kernel = np.array(loaded.layer.kernel)
        (delta,) = sgd_step([([loaded], x, upstream)])
        expected = reference.np_tract_conv2d_kernel_gradient(
            x, upstream, kernel.shape, (2, 2), "same", (1, 1), 0.2)
        self.assertAllClose(delta[0], expected,
                            atol=SOLVE_TOLERANCE * np.abs(expected).max(),
                            rtol=0)

    def test_functional_matches_class(self):
        x, inner, _ = conv_pair(CONV_CASES["same_dilated"])
        ours = kerastricks.ops.tract_conv2d(
            x, inner.kernel, padding="same", dilation_rate=2) + inner.bias
        self.assertAllEqual(ours, kerastricks.layers.TrAct(inner)(x))
        x = np.random.default_rng(11).normal(size=(3, 5)).astype("float32")
        inner, _ = dense_pair(2, x, use_bias=False)
        self.assertAllEqual(kerastricks.ops.tract_dense(x, inner.kernel),
                            kerastricks.layers.TrAct(inner)(x))

    def test_data_parallel_matches_one_device(self):
        # Under keras.distribution the step is one SPMD program over the
        # global batch, so the Gram matrix averages over the global batch.
        rng = np.random.default_rng(12)
        x = rng.normal(size=(8, 6, 6, 3)).astype("float32")
        y = rng.integers(0, 3, size=(8,))

        def train():
            keras.utils.set_random_seed(0)
            model = keras.Sequential([
                keras.Input((6, 6, 3)),
                kerastricks.layers.TrAct(
                    keras.layers.Conv2D(4, 3, strides=2, activation="relu")),
                keras.layers.Flatten(),
                keras.layers.Dense(3),
            ])
            model.compile(
                optimizer=keras.optimizers.SGD(learning_rate=0.1),
                loss=keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True))
            model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
            return model.get_weights()

        self.assert_data_parallel_matches_one_device(train)
