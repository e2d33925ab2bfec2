import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.references import tract as reference

PATCH_CASES = (
    ("valid", (3, 3), (1, 1), "valid", (1, 1)),
    ("same_strided", (3, 3), (2, 2), "same", (1, 1)),
    ("same_even_kernel", (2, 3), (2, 1), "same", (1, 1)),
    ("same_dilated", (3, 3), (1, 1), "same", (2, 2)),
    ("valid_dilated", (3, 2), (1, 1), "valid", (2, 1)),
    ("valid_strided", (2, 2), (3, 2), "valid", (1, 1)),
)


class TrActKernelGradientTest(testing.TestCase):
    def test_invalid_args(self):
        rows, upstream = np.ones((4, 3)), np.ones((4, 2))
        fn = kerastricks.ops.tract_kernel_gradient
        with self.assertRaisesRegex(ValueError, "lambda_=0"):
            fn(rows, upstream, lambda_=0)
        with self.assertRaisesRegex(ValueError, "lambda_=-1.0"):
            fn(rows, upstream, lambda_=-1.0)
        with self.assertRaisesRegex(TypeError, "lambda_='0.1'"):
            fn(rows, upstream, lambda_="0.1")
        with self.assertRaisesRegex(ValueError, r"rows.shape=\(4, 3, 1\)"):
            fn(np.ones((4, 3, 1)), upstream)

    @parameterized.named_parameters(
        ("more_rows_than_features", 12, 5),
        ("as_many_rows_as_features", 5, 5),
        ("fewer_rows_than_features", 3, 7),
    )
    def test_correctness_against_reference(self, num_rows, features):
        rng = np.random.default_rng(0)
        rows = rng.normal(size=(num_rows, features))
        upstream = rng.normal(size=(num_rows, 4))
        for lambda_ in (1e-3, 0.1, 3.0):
            expected = reference.np_tract_kernel_gradient(rows, upstream,
                                                          lambda_)
            result = kerastricks.ops.tract_kernel_gradient(rows, upstream,
                                                           lambda_)
            # JAX without x64 computes this in float32 (checked below).
            if keras.backend.standardize_dtype(result.dtype) == "float64":
                self.assertAllClose(result, expected, atol=1e-12,
                                    rtol=1e-10)
            result = kerastricks.ops.tract_kernel_gradient(
                rows.astype("float32"), upstream.astype("float32"), lambda_)
            self.assertDType(result, "float32")
            # Float32 solves; no subtraction, so small lambda stays accurate
            # in both branches (the authors' b < d form loses ~1/lambda).
            self.assertAllClose(result, expected,
                                atol=2e-5 * np.abs(expected).max(), rtol=0)

    def test_half_precision_inputs_are_solved_in_float32(self):
        rng = np.random.default_rng(1)
        rows = rng.normal(size=(16, 4)).astype("float32")
        upstream = rng.normal(size=(16, 2)).astype("float32")
        result = kerastricks.ops.tract_kernel_gradient(
            keras.ops.cast(rows, "bfloat16"),
            keras.ops.cast(upstream, "bfloat16"))
        self.assertDType(result, "float32")
        rounded = [keras.ops.convert_to_numpy(keras.ops.cast(
            keras.ops.cast(a, "bfloat16"), "float32")) for a in (rows,
                                                                 upstream)]
        self.assertAllClose(
            result, reference.np_tract_kernel_gradient(*rounded, 0.1),
            atol=1e-5, rtol=1e-5)


class Conv2DPatchesTest(testing.TestCase):
    def test_invalid_args(self):
        fn = kerastricks.ops.conv2d_patches
        image = np.ones((1, 4, 4, 2), "float32")
        with self.assertRaisesRegex(ValueError, "padding='full'"):
            fn(image, 3, padding="full")
        with self.assertRaisesRegex(ValueError, r"kernel_size=\(3, 3, 3\)"):
            fn(image, (3, 3, 3))
        with self.assertRaisesRegex(ValueError, "strides=0"):
            fn(image, 3, strides=0)
        with self.assertRaisesRegex(ValueError, "inputs.shape"):
            fn(np.ones((4, 4, 2), "float32"), 3)
        with self.assertRaisesRegex(ValueError, "larger than the input"):
            fn(image, 3, dilation_rate=2)

    @parameterized.named_parameters(*PATCH_CASES)
    def test_correctness_against_reference(self, kernel_size, strides,
                                           padding, dilation_rate):
        x = np.random.default_rng(0).normal(size=(2, 7, 6, 3)).astype(
            "float32")
        patches = kerastricks.ops.conv2d_patches(
            x, kernel_size, strides, padding, dilation_rate)
        self.assertAllEqual(patches, reference.np_conv2d_patches(
            x, kernel_size, strides, padding, dilation_rate))
        self.assertAllEqual(patches, keras.ops.image.extract_patches(
            x, kernel_size, strides=strides, dilation_rate=dilation_rate,
            padding=padding, data_format="channels_last"))

    @parameterized.named_parameters(*PATCH_CASES)
    def test_patches_times_kernel_is_keras_conv(self, kernel_size, strides,
                                                padding, dilation_rate):
        rng = np.random.default_rng(1)
        x = rng.normal(size=(2, 7, 6, 3)).astype("float32")
        kernel = rng.normal(size=kernel_size + (3, 4)).astype("float32")
        patches = kerastricks.ops.conv2d_patches(
            x, kernel_size, strides, padding, dilation_rate)
        conv = keras.ops.conv(x, kernel, strides=strides, padding=padding,
                              dilation_rate=dilation_rate)
        self.assertAllClose(
            keras.ops.matmul(patches, np.reshape(kernel, (-1, 4))), conv,
            atol=1e-5, rtol=1e-5)

    def test_unknown_spatial_size_falls_back_to_extract_patches(self):
        patches = kerastricks.ops.conv2d_patches(
            keras.KerasTensor((2, None, None, 3)), (3, 2), 2, "same")
        self.assertEqual(tuple(patches.shape), (2, None, None, 18))
