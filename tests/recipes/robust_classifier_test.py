import keras
import numpy as np
import pytest

from kerastricks import recipes
from kerastricks import testing
from kerastricks.recipes import runner
from kerastricks.recipes.robust_classifier import RobustClassifierRecipe
from kerastricks.recipes.robust_classifier.distilled_student import (
    DistilledStudent,
)

pytestmark = [pytest.mark.requires_trainable_backend]

PROBLEM = {"input_shape": (4, 4, 1), "num_classes": 3}
TINY = {"cnn_width": 16}


def _images(count=12, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.uniform(size=(count, 4, 4, 1)).astype("float32"),
            rng.integers(0, 3, size=count).astype("int32"))


class _StopAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.stop_epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.stop_epoch:
            raise KeyboardInterrupt


class RobustClassifierRecipeTest(testing.TestCase):
    def test_recipe(self):
        x, y = _images()
        self.run_recipe_test(
            RobustClassifierRecipe, PROBLEM, x, y,
            overrides={"defense": "pgd", "pgd_steps": 2, **TINY})

    def test_defenses(self):
        adversarial = recipes.load("robust_classifier", defense="fgsm",
                                   adversarial_epsilon=0.05, **PROBLEM)
        self.assertEqual(adversarial.attack, "fgsm")
        self.assertEqual(adversarial.epsilon, 0.05)
        self.assertEqual(adversarial.input_range, (0.0, 1.0))
        pgd = recipes.load("robust_classifier", preset="robust_classifier_"
                           "spicy", **PROBLEM)
        self.assertEqual((pgd.attack, pgd.steps), ("pgd", 7))
        self.assertAllClose(pgd.step_size, 0.1 * 0.25)
        plain = recipes.load("robust_classifier", defense="none", **PROBLEM)
        self.assertIsInstance(plain, keras.Model)
        self.assertNotIsInstance(plain, DistilledStudent)

    def test_distillation_trains_teacher_then_student_on_soft_labels(self):
        x, y = _images()
        recipe = RobustClassifierRecipe(**PROBLEM).set_hyperparameters(
            defense="distillation", distillation_temperature=5.0, **TINY)
        model = recipe.build(recipe.hyperparameters)
        teacher_before = [w.copy() for w in model.teacher.get_weights()]
        recipe.fit(recipe.hyperparameters, model, x, y, epochs=1,
                   batch_size=6, verbose=0)
        teacher = model.teacher.get_weights()
        self.assertFalse(all(np.allclose(a, b)
                             for a, b in zip(teacher_before, teacher)))
        self.assertFalse(model.teacher.trainable)
        # The student's loss: cross-entropy between the teacher's and the
        # student's softmax at temperature T.
        soft = keras.ops.convert_to_numpy(keras.ops.softmax(
            model.teacher(x, training=False) / 5.0))
        student = keras.ops.convert_to_numpy(keras.ops.log_softmax(
            model(x, training=False) / 5.0))
        self.assertAllClose(
            model.compute_loss(x, y, model(x, training=False),
                               training=False),
            -np.mean(np.sum(soft * student, axis=-1)), atol=1e-5, rtol=1e-5)
        self.run_saving_test(model, x, atol=1e-5)

    # Three runner runs, each with its teacher stage: a convergence-size
    # check, run with --run_large.
    @pytest.mark.large
    def test_distillation_resumes_through_the_runner(self):
        # Data files: the runner reads `.npz` files with x and y.
        x, y = _images(count=16)
        data = self.make_temp_dir() + "/images.npz"
        np.savez(data, x=x, y=y)

        def recipe():
            return RobustClassifierRecipe().set_hyperparameters(
                defense="distillation", **TINY)

        straight = self.make_temp_dir()
        runner.train(recipe(), straight, epochs=2, batch_size=8, data=data,
                     verbose=0)
        stopped = self.make_temp_dir()
        with self.assertRaises(KeyboardInterrupt):
            runner.train(recipe(), stopped, epochs=2, batch_size=8,
                         data=data, verbose=0, callbacks=[_StopAtEpoch(1)])
        runner.train(recipe(), stopped, epochs=2, batch_size=8, data=data,
                     resume=True, verbose=0)
        self.assertAllClose(
            keras.saving.load_model(f"{stopped}/{runner.MODEL_FILE}")
            .get_weights(),
            keras.saving.load_model(f"{straight}/{runner.MODEL_FILE}")
            .get_weights(), atol=1e-6, rtol=1e-6)
