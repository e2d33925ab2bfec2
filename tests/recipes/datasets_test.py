"""The generated datasets and the corruptions the demo's regimes use."""

import numpy as np

from kerastricks import testing
from kerastricks.recipes import datasets


class TexturedShapesTest(testing.TestCase):
    def test_shapes_dtypes_range_and_balance(self):
        x, y = datasets.textured_shapes(60, image_size=12, seed=1)
        self.assertEqual(x.shape, (60, 12, 12, 1))
        self.assertEqual((x.dtype, y.dtype), (np.float32, np.int32))
        self.assertTrue(0.0 <= x.min() and x.max() <= 1.0)
        self.assertAllEqual(np.bincount(y), [10] * 6)

    def test_seeded(self):
        first = datasets.textured_shapes(12, seed=3)
        again = datasets.textured_shapes(12, seed=3)
        other = datasets.textured_shapes(12, seed=4)
        self.assertAllEqual(first[0], again[0])
        self.assertAllEqual(first[1], again[1])
        self.assertFalse(np.array_equal(first[0], other[0]))

    def test_the_shape_is_in_the_image(self):
        # The class mean images differ: the label is visible in the pixels.
        x, y = datasets.textured_shapes(600, seed=0)
        means = np.stack([x[y == label].mean(axis=0) for label in range(6)])
        disk, ring = means[0, 4:12, 4:12], means[3, 4:12, 4:12]
        # A ring is hollow: its centre is darker than a disk's.
        self.assertGreater(disk[3:5, 3:5].mean(), ring[3:5, 3:5].mean())

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "num_examples=0"):
            datasets.textured_shapes(0)
        with self.assertRaisesRegex(ValueError, "image_size=4"):
            datasets.textured_shapes(10, image_size=4)


class CorruptionsTest(testing.TestCase):
    def test_noisy_labels_flip_exactly_the_fraction(self):
        y = np.arange(200) % 5
        noisy, flipped = datasets.noisy_labels(y, 0.3, 5, seed=0)
        self.assertEqual(flipped.sum(), 60)
        self.assertTrue(np.all(noisy[flipped] != y[flipped]))
        self.assertAllEqual(noisy[~flipped], y[~flipped])
        self.assertTrue(np.all((0 <= noisy) & (noisy < 5)))
        # Symmetric noise: every wrong class is drawn.
        self.assertLen(set((noisy[flipped] - y[flipped]) % 5), 4)

    def test_shift_intensity(self):
        x = np.array([0.0, 0.5, 1.0], "float32")
        self.assertAllClose(datasets.shift_intensity(x, 0.25, 0.6),
                            [0.6, 0.725, 0.85])

    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "fraction=1.0"):
            datasets.noisy_labels(np.zeros(3, int), 1.0, 3)
        with self.assertRaisesRegex(ValueError, "num_classes=1"):
            datasets.noisy_labels(np.zeros(3, int), 0.5, 1)
        with self.assertRaisesRegex(ValueError, "contrast=0"):
            datasets.shift_intensity(np.zeros(3), 0, 0.1)
        with self.assertRaisesRegex(ValueError, "brightness=nan"):
            datasets.shift_intensity(np.zeros(3), 1.0, float("nan"))
