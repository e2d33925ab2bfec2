import os
import warnings

import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import robustness as reference

_RNG = np.random.default_rng(0)
_IMAGES = _RNG.uniform(size=(3, 5, 5, 2)).astype("float32")
_CLASSES = np.array([0, 2, 1])


def _conv_model(skip=False):
    """conv (1x1) -> [+ a 1x1 projection of the input] -> global mean ->
    dense: the maps have closed forms in the conv's output A."""
    inputs = keras.Input((5, 5, 2))
    features = keras.layers.Conv2D(4, 1, name="conv")(inputs)
    if skip:
        features = keras.layers.Add()(
            [features, keras.layers.Conv2D(4, 1, name="shortcut")(inputs)])
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    model = keras.Model(inputs, keras.layers.Dense(3, name="head")(pooled))
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(size=w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def _conv_output(model):
    return keras.ops.convert_to_numpy(
        keras.Model(model.inputs, model.get_layer("conv").output)(_IMAGES))


class SaliencyTest(testing.TestCase):
    def test_input_gradient_of_a_linear_model_is_its_kernel_column(self):
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        x = _RNG.normal(size=(3, 4)).astype("float32")
        kernel = model.get_weights()[0]
        saliency = kerastricks.utils.input_gradient_saliency(
            model, x, target_class=_CLASSES)
        self.assertAllClose(saliency, kernel[:, _CLASSES].T)
        contributions = kerastricks.utils.input_gradient_saliency(
            model, x, target_class=_CLASSES, multiply_by_input=True)
        # Gradient x input of a linear model sums to logit - bias.
        logits = keras.ops.convert_to_numpy(model(x))
        bias = model.get_weights()[1]
        self.assertAllClose(contributions.sum(axis=1),
                            logits[np.arange(3), _CLASSES] - bias[_CLASSES],
                            atol=1e-5, rtol=1e-5)

    def test_default_class_is_the_prediction(self):
        model = _conv_model()
        predicted = np.argmax(keras.ops.convert_to_numpy(model(_IMAGES)), -1)
        self.assertAllClose(
            kerastricks.utils.grad_cam(model, _IMAGES, "conv"),
            kerastricks.utils.grad_cam(model, _IMAGES, "conv",
                                       target_class=predicted))

    def test_grad_cam_and_norm_grad_match_closed_forms(self):
        for skip in (False, True):
            model = _conv_model(skip=skip)
            activations = _conv_output(model)
            head_kernel = model.get_layer("head").get_weights()[0]
            self.assertAllClose(
                kerastricks.utils.grad_cam(model, _IMAGES, "conv",
                                           target_class=_CLASSES),
                reference.np_linear_head_grad_cam(activations, head_kernel,
                                                  _CLASSES),
                atol=1e-6, rtol=1e-5)
            self.assertAllClose(
                kerastricks.utils.norm_grad(model, _IMAGES, "conv",
                                            target_class=_CLASSES),
                reference.np_linear_head_norm_grad(activations, head_kernel,
                                                   _CLASSES),
                atol=1e-6, rtol=1e-5)

    def test_layer_maps_raise_no_input_structure_warning(self):
        model = _conv_model()
        for saliency_map in (kerastricks.utils.grad_cam,
                             kerastricks.utils.norm_grad):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                saliency_map(model, _IMAGES, "conv")
            structure = [str(warning.message) for warning in caught
                         if "structure of `inputs`" in str(warning.message)]
            self.assertEqual(structure, [])

    def test_overlay_png(self):
        path = os.path.join(self.make_temp_dir(), "overlay.png")
        overlay = kerastricks.utils.saliency_overlay(
            _IMAGES[0, ..., 0], np.arange(4.0).reshape(2, 2), path=path,
            alpha=1.0, colormap="gray")
        # alpha = 1: the map alone, resized by nearest neighbour.
        self.assertAllClose(overlay[0, 0], [0.0, 0.0, 0.0])
        self.assertAllClose(overlay[4, 4], [1.0, 1.0, 1.0])
        with open(path, "rb") as png:
            self.assertEqual(png.read(8), b"\x89PNG\r\n\x1a\n")

    def test_invalid_args(self):
        model = _conv_model()
        with self.assertRaisesRegex(ValueError, "layer_name"):
            kerastricks.utils.grad_cam(model, _IMAGES, "no_such_layer")
        with self.assertRaisesRegex(ValueError, "4-D output"):
            kerastricks.utils.grad_cam(model, _IMAGES, "head")
        with self.assertRaisesRegex(ValueError, "target_class"):
            kerastricks.utils.norm_grad(model, _IMAGES, "conv",
                                        target_class=3)
        with self.assertRaisesRegex(TypeError, "floating-point"):
            kerastricks.utils.input_gradient_saliency(
                model, _IMAGES.astype("int32"))
