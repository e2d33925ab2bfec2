import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import poolformer as reference

# The configuration of the PoolFormer model test (shared compilations).
DEPTHS, DIMS = (1, 1, 2, 1), (4, 8, 8, 8)


def _model(**kwargs):
    return kerastricks.models.PoolFormer(
        num_classes=3, input_shape=(32, 32, 3), depths=DEPTHS,
        embed_dims=DIMS, **kwargs)


class TimmPoolFormerWeightsTest(testing.TestCase):
    def test_round_trip_is_exact_in_both_layouts(self):
        state = reference.np_poolformer_state(DEPTHS, DIMS, 3)
        model = _model()
        report = kerastricks.utils.load_timm_poolformer_weights(model, state)
        self.assertEqual(report, {"missing": [], "unexpected": []})
        exported = kerastricks.utils.export_timm_poolformer_weights(model)
        self.assertEqual(list(exported), list(state))
        for name, value in state.items():
            self.assertEqual(exported[name].shape, value.shape, name)
            self.assertAllEqual(exported[name], value)
        original = reference.np_original_names(state)
        other = _model()
        kerastricks.utils.load_timm_poolformer_weights(other, original)
        exported = kerastricks.utils.export_timm_poolformer_weights(
            other, layout="original")
        self.assertEqual(sorted(exported), sorted(original))
        for name, value in original.items():
            self.assertAllEqual(exported[name], value)

    def test_converted_model_matches_reference(self):
        state = reference.np_poolformer_state(DEPTHS, DIMS, 3)
        model = _model(final_norm="pooled_layer")
        kerastricks.utils.load_timm_poolformer_weights(
            model, reference.np_original_names(state))
        images = np.random.default_rng(1).normal(size=(2, 3, 32, 32))
        expected = reference.np_poolformer(images, state, DEPTHS,
                                           final_norm="pooled_layer")
        actual = model.predict(
            np.transpose(images, (0, 2, 3, 1)).astype("float32"), verbose=0)
        self.assertAllClose(actual, expected, atol=1e-4, rtol=1e-4)

    def test_mismatches_are_reported(self):
        state = reference.np_poolformer_state(DEPTHS, DIMS, 3)
        load = kerastricks.utils.load_timm_poolformer_weights
        with self.assertRaisesRegex(ValueError,
                                    r"Missing: \['head.fc.bias'\]"):
            load(_model(), {k: v for k, v in state.items()
                            if k != "head.fc.bias"})
        wrong = dict(state)
        wrong["head.fc.weight"] = np.zeros((5, 8), "float32")
        with self.assertRaisesRegex(ValueError, r"\(5, 8\).*\(3, 8\)"):
            load(_model(), wrong)
        with self.assertRaisesRegex(ValueError, "not a PoolFormer state"):
            load(_model(), {"conv1.weight": np.zeros(3)})
        with self.assertRaisesRegex(TypeError, "state_dict=3"):
            load(_model(), 3)
        # Without the top, strict=False loads the rest and reports the head.
        features = _model(include_top=False)
        report = load(features, state, strict=False)
        self.assertEqual(report["unexpected"],
                         ["head.fc.bias", "head.fc.weight",
                          "head.norm.bias", "head.norm.weight"])
        self.assertAllEqual(
            features.get_layer("stem_conv").kernel,
            np.transpose(state["stem.conv.weight"], (2, 3, 1, 0)))
