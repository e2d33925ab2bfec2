import numpy as np

from tests.references import tract as reference


def test_one_feature_by_hand():
    # x = [1, 2], G = [0.5, -1], lambda = 0.5:
    # sum(x * G) / (sum(x**2) / b + lambda) = -1.5 / (5 / 2 + 0.5) = -0.5
    rows = np.array([[1.0], [2.0]])
    upstream = np.array([[0.5], [-1.0]])
    np.testing.assert_allclose(
        reference.np_tract_kernel_gradient(rows, upstream, 0.5), [[-0.5]])
    np.testing.assert_allclose(
        reference.np_tract_kernel_gradient_woodbury(rows, upstream, 0.5),
        [[-0.5]])


def test_closed_form_is_the_two_step_procedure():
    rng = np.random.default_rng(0)
    for num_rows, features in ((12, 4), (3, 7)):
        rows = rng.normal(size=(num_rows, features))
        upstream = rng.normal(size=(num_rows, 2))
        kernel = rng.normal(size=(features, 2))
        stepped = reference.np_tract_step(rows, upstream, kernel,
                                          learning_rate=0.3, lambda_=0.2)
        gradient = reference.np_tract_kernel_gradient(rows, upstream, 0.2)
        np.testing.assert_allclose(stepped, kernel - 0.3 * gradient,
                                   atol=1e-12, rtol=1e-12)


def test_woodbury_equals_direct_in_float64():
    # The authors use this form for b < d only. Its subtraction loses
    # digits in proportion to 1 / lambda: 2e-12 relative at lambda = 1e-3.
    rng = np.random.default_rng(1)
    for num_rows, features in ((3, 8), (4, 9), (5, 5)):
        rows = rng.normal(size=(num_rows, features)) * 3.0
        upstream = rng.normal(size=(num_rows, 3))
        for lambda_ in (1e-3, 0.1, 10.0):
            direct = reference.np_tract_kernel_gradient(rows, upstream,
                                                        lambda_)
            np.testing.assert_allclose(
                reference.np_tract_kernel_gradient_woodbury(
                    rows, upstream, lambda_),
                direct, atol=1e-10 * np.abs(direct).max(), rtol=0)


def test_large_lambda_gives_the_plain_gradient_over_lambda():
    rng = np.random.default_rng(2)
    rows = rng.normal(size=(10, 4))
    upstream = rng.normal(size=(10, 3))
    lambda_ = 1e7
    np.testing.assert_allclose(
        lambda_ * reference.np_tract_kernel_gradient(rows, upstream,
                                                     lambda_),
        rows.T @ upstream, rtol=1e-6)


def test_patches_by_hand():
    image = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    valid = reference.np_conv2d_patches(image, (2, 2))
    np.testing.assert_array_equal(
        valid.reshape(4, 4),
        [[1, 2, 4, 5], [2, 3, 5, 6], [4, 5, 7, 8], [5, 6, 8, 9]])
    # "same" with stride 2: out = 2, total padding 1, all of it at the end.
    same = reference.np_conv2d_patches(image, (2, 2), (2, 2), "same")
    np.testing.assert_array_equal(
        same.reshape(4, 4),
        [[1, 2, 4, 5], [3, 0, 6, 0], [7, 8, 0, 0], [9, 0, 0, 0]])
    dilated = reference.np_conv2d_patches(image, (2, 2),
                                          dilation_rate=(2, 2))
    np.testing.assert_array_equal(dilated.reshape(1, 4), [[1, 3, 7, 9]])
    # Channels are the fastest axis inside a patch: (kh, kw, C).
    two_channels = np.stack([image[..., 0], -image[..., 0]], axis=-1)
    patch = reference.np_conv2d_patches(two_channels, (1, 2))[0, 0, 0]
    np.testing.assert_array_equal(patch, [1, -1, 2, -2])


def test_patches_times_kernel_is_the_convolution():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 4, 3))
    kernel = rng.normal(size=(3, 2, 3, 4))
    patches = reference.np_conv2d_patches(x, (3, 2))
    direct = np.zeros((2, 3, 3, 4))
    for oh in range(3):
        for ow in range(3):
            window = x[:, oh:oh + 3, ow:ow + 2, :]
            direct[:, oh, ow] = np.einsum("bijc,ijcf->bf", window, kernel)
    np.testing.assert_allclose(patches @ kernel.reshape(-1, 4), direct,
                               atol=1e-12)
