import keras
import numpy as np

import kerastricks
from kerastricks import testing
from tests.references import robustness as reference

_RNG = np.random.default_rng(0)
_X = _RNG.uniform(size=(6, 4)).astype("float32")
_Y = np.array([0, 1, 2, 0, 1, 2])
_CROSS_ENTROPY = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _linear_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    rng = np.random.default_rng(1)
    model.set_weights([rng.normal(size=w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def _loss_of(model):
    return lambda inputs: _CROSS_ENTROPY(_Y, model(inputs))


class AdversarialTrainingTest(testing.TestCase):
    def test_input_gradient_matches_closed_form(self):
        model = _linear_model()
        loss, gradient = kerastricks.backend.get().loss_and_input_gradients(
            _loss_of(model), keras.ops.convert_to_tensor(_X))
        self.assertAllClose(
            gradient,
            reference.np_linear_cross_entropy_input_gradient(
                _X, _Y, *model.get_weights()), atol=1e-6, rtol=1e-5)
        self.assertAllClose(loss, _CROSS_ENTROPY(_Y, model(_X)))

    def test_attacks_match_reference(self):
        model = _linear_model()
        weights = model.get_weights()
        gradient = reference.np_linear_cross_entropy_input_gradient(
            _X, _Y, *weights)
        fgsm = kerastricks.ops.adversarial_examples(
            _loss_of(model), _X, attack="fgsm", epsilon=0.1,
            input_range=(0.0, 1.0))
        self.assertAllClose(
            fgsm, reference.np_fgsm(_X, gradient, 0.1, (0.0, 1.0)))
        pgd = kerastricks.ops.adversarial_examples(
            _loss_of(model), _X, attack="pgd", epsilon=0.1, step_size=0.03,
            steps=5, random_start=False, input_range=(0.0, 1.0))
        self.assertAllClose(pgd, reference.np_pgd_without_random_start(
            _X, _Y, *weights, 0.1, 0.03, 5, (0.0, 1.0)), atol=1e-6)

    def test_pgd_stays_in_the_ball_and_raises_the_loss(self):
        model = _linear_model()
        x_adv = kerastricks.ops.adversarial_examples(
            _loss_of(model), _X, epsilon=0.2, step_size=0.05, steps=6,
            input_range=(0.0, 1.0), seed=3)
        x_adv = keras.ops.convert_to_numpy(x_adv)
        self.assertLessEqual(np.max(np.abs(x_adv - _X)), 0.2 + 1e-6)
        self.assertTrue(np.all((x_adv >= 0.0) & (x_adv <= 1.0)))
        self.assertGreater(float(_loss_of(model)(x_adv)),
                           float(_loss_of(model)(_X)))

    def test_fgsm_step_trains_on_the_papers_mix(self):
        # One SGD step of Goodfellow et al.'s objective,
        # 0.5 L(x) + 0.5 L(x + epsilon sign(grad_x L(x))), by hand.
        model = _linear_model()
        kernel, bias = model.get_weights()
        wrapper = kerastricks.models.AdversarialTraining(
            model, attack="fgsm", epsilon=0.1)
        wrapper.compile(optimizer=keras.optimizers.SGD(0.5),
                        loss=_CROSS_ENTROPY, jit_compile=testing.test_case.
                        JIT_COMPILE)
        wrapper.fit(_X, _Y, epochs=1, batch_size=6, verbose=0,
                    shuffle=False)
        x_adv = reference.np_fgsm(
            _X, reference.np_linear_cross_entropy_input_gradient(
                _X, _Y, kernel, bias), 0.1)

        def weight_gradients(x):
            error = reference.np_softmax(x @ kernel + bias)
            error[np.arange(len(x)), _Y] -= 1.0
            return x.T @ error / len(x), error.mean(axis=0)

        clean, adversarial = weight_gradients(_X), weight_gradients(x_adv)
        expected = [w - 0.5 * (0.5 * c + 0.5 * a)
                    for w, c, a in zip((kernel, bias), clean, adversarial)]
        self.assertAllClose(model.get_weights(), expected, atol=1e-5,
                            rtol=1e-5)

    def test_invalid_args(self):
        model = _linear_model()
        with self.assertRaisesRegex(ValueError, "attack"):
            kerastricks.models.AdversarialTraining(model, attack="cw")
        with self.assertRaisesRegex(ValueError, "adversarial_weight"):
            kerastricks.models.AdversarialTraining(model,
                                                   adversarial_weight=1.5)
        with self.assertRaisesRegex(ValueError, "input_range"):
            kerastricks.models.AdversarialTraining(model,
                                                   input_range=(1.0, 0.0))
