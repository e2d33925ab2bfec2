import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import moment_probing as reference


def _weights(head):
    """The head's weights by sublayer, as the NumPy reference takes them."""
    weights = {
        "first_order_classifier": head.first_order_classifier.get_weights(),
        "projection": head.projection.get_weights(),
        "head_norm": head.head_norm.get_weights(),
        "second_order_classifier":
            head.second_order_classifier.get_weights(),
    }
    for index, conv in enumerate(head.downsample, start=1):
        weights[f"downsample_{index}"] = conv.get_weights()[0]
    return weights


def _randomize(layer, rng):
    layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype("float32")
                       for w in layer.get_weights()])


class MomentProbingHeadTest(testing.TestCase):
    def test_invalid_args(self):
        cls = kerastricks.layers.MomentProbingHead
        with self.assertRaisesRegex(ValueError, "num_classes=0"):
            cls(num_classes=0)
        with self.assertRaisesRegex(ValueError, "num_heads=1"):
            cls(num_classes=2, num_heads=1)
        with self.assertRaisesRegex(ValueError, "hidden_dim=30, num_heads=4"):
            cls(num_classes=2, hidden_dim=30)
        with self.assertRaisesRegex(ValueError, "hidden_dim=24, num_heads=4"):
            cls(num_classes=2, hidden_dim=24)   # 6 channels per head
        with self.assertRaisesRegex(ValueError, "first_order='cls'"):
            cls(num_classes=2, first_order="cls")
        with self.assertRaisesRegex(TypeError, "second_order=1"):
            cls(num_classes=2, second_order=1)

    def test_config(self):
        self.run_serialization_test(kerastricks.layers.MomentProbingHead(
            num_classes=3, hidden_dim=28, num_heads=2,
            first_order="class_token", second_order=False))

    def test_correctness_against_reference(self):
        rng = np.random.default_rng(0)
        tokens = rng.normal(size=(2, 6, 10)).astype("float32")
        for first_order in ("mean", "class_token"):
            head = kerastricks.layers.MomentProbingHead(
                num_classes=3, hidden_dim=32, num_heads=2,
                first_order=first_order)
            head.build(tokens.shape)
            _randomize(head, rng)
            expected = reference.np_moment_probing_head(
                tokens, _weights(head), num_heads=2,
                class_token=first_order == "class_token")
            self.assertAllClose(head(tokens), expected, atol=1e-5,
                                rtol=1e-5)  # float32 sums of ~100 terms

    def test_feature_map_inputs_are_tokens(self):
        rng = np.random.default_rng(1)
        feature_map = rng.normal(size=(2, 3, 4, 10)).astype("float32")
        head = kerastricks.layers.MomentProbingHead(
            num_classes=3, hidden_dim=16, num_heads=2)
        self.assertAllClose(head(feature_map),
                            head(feature_map.reshape(2, 12, 10)))

    def test_invariant_to_token_permutations(self):
        # The moments describe the token distribution, not its order.
        rng = np.random.default_rng(2)
        tokens = rng.normal(size=(2, 7, 10)).astype("float32")
        head = kerastricks.layers.MomentProbingHead(
            num_classes=4, hidden_dim=24, num_heads=3)
        shuffled = tokens[:, rng.permutation(7)]
        self.assertAllClose(head(shuffled), head(tokens), atol=1e-5,
                            rtol=1e-5)
        numpy = keras.ops.convert_to_numpy
        self.assertFalse(np.allclose(numpy(head(tokens[:, :6])),
                                     numpy(head(tokens)), atol=1e-3))

    def test_first_order_alone_is_a_linear_probe_on_the_mean_token(self):
        rng = np.random.default_rng(3)
        tokens = rng.normal(size=(2, 5, 6)).astype("float32")
        head = kerastricks.layers.MomentProbingHead(
            num_classes=3, second_order=False)
        logits = head(tokens)
        self.assertLen(head.trainable_weights, 2)
        kernel, bias = head.first_order_classifier.get_weights()
        self.assertAllClose(logits, tokens.mean(axis=1) @ kernel + bias,
                            atol=1e-6, rtol=1e-6)

    def test_only_the_head_trains_on_a_frozen_backbone(self):
        rng = np.random.default_rng(4)
        x = rng.normal(size=(4, 6, 5)).astype("float32")
        y = rng.integers(0, 3, size=4)
        backbone = keras.Sequential([keras.Input((6, 5)),
                                     keras.layers.Dense(8)])
        backbone.trainable = False
        head = kerastricks.layers.MomentProbingHead(
            num_classes=3, hidden_dim=16, num_heads=2)
        inputs = keras.Input((6, 5))
        model = keras.Model(inputs, head(backbone(inputs)))
        model.compile(
            optimizer=keras.optimizers.SGD(0.1),
            loss=keras.losses.SparseCategoricalCrossentropy(
                from_logits=True))
        frozen = [w.copy() for w in backbone.get_weights()]
        before = [w.copy() for w in head.get_weights()]
        self.assertLen(model.trainable_weights, 9)
        model.train_on_batch(x, y)
        for old, new in zip(frozen, backbone.get_weights()):
            self.assertAllEqual(new, old)
        moved = [not np.allclose(old, new)
                 for old, new in zip(before, head.get_weights())]
        self.assertTrue(all(moved), moved)
