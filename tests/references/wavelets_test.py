"""The wavelet and WaveMix references against values computed by hand."""

import math

import numpy as np

from tests.references import wavelets


def test_haar_of_one_block_by_hand():
    # [[1, 2], [3, 4]]: LL = 10/2, LH = (1+2-3-4)/2, HL = (1-2+3-4)/2,
    # HH = (1-2-3+4)/2 (pywt.dwt2 gives cA=5, cH=-2, cV=-1, cD=0).
    x = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 2, 2, 1)
    np.testing.assert_allclose(wavelets.np_haar_dwt2d(x).ravel(),
                               [5.0, -2.0, -1.0, 0.0])


def test_inverse_of_one_block_by_hand():
    bands = np.array([5.0, -2.0, -1.0, 0.0]).reshape(1, 1, 1, 4)
    np.testing.assert_allclose(
        wavelets.np_inverse_haar_dwt2d(bands).ravel(), [1.0, 2.0, 3.0, 4.0])


def test_gelu_by_hand():
    # Phi(1) = 0.841344746..., Phi(-1) = 1 - Phi(1).
    np.testing.assert_allclose(wavelets.np_gelu(np.array([1.0, -1.0])),
                               [0.8413447461, -0.1586552539], rtol=1e-9)


def test_conv_transpose_of_one_pixel_is_the_kernel_center():
    # A single input pixel lands at full-output rows/columns 0..3; the
    # one-pixel crop keeps rows/columns 1 and 2 of the kernel.
    kernel = np.arange(16.0).reshape(4, 4, 1, 1)
    out = wavelets.np_conv_transpose_stride2(np.ones((1, 1, 1, 1)), kernel,
                                             np.zeros(1))
    np.testing.assert_allclose(out[0, :, :, 0], [[5.0, 6.0], [9.0, 10.0]])
    assert math.isclose(out.sum(), 30.0)

