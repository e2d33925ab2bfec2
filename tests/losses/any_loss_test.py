import warnings

import keras
import numpy as np
from absl.testing import parameterized
from sklearn import metrics as sk_metrics

import kerastricks
from kerastricks import backend
from kerastricks import testing
from kerastricks.utils import validation
from tests.references import any_loss as reference

LOSSES = {
    "f1": (kerastricks.losses.FBetaLoss, "f_beta"),
    "accuracy": (kerastricks.losses.AccuracyLoss, "accuracy"),
    "balanced_accuracy": (kerastricks.losses.BalancedAccuracyLoss,
                          "balanced_accuracy"),
    "geometric_mean": (kerastricks.losses.GeometricMeanLoss,
                       "geometric_mean"),
}


def sklearn_score(name, y, hard):
    if name == "f1":
        return sk_metrics.f1_score(y, hard)
    if name == "accuracy":
        return sk_metrics.accuracy_score(y, hard)
    if name == "balanced_accuracy":
        return sk_metrics.balanced_accuracy_score(y, hard)
    recall = sk_metrics.recall_score(y, hard)
    specificity = sk_metrics.recall_score(y, hard, pos_label=0)
    return np.sqrt(recall * specificity)


def gradient_of(fn, value):
    """d fn(value) / d value through the active backend's autodiff."""
    (_, _), (gradient,) = backend.get().loss_and_gradients(
        lambda values: (fn(values[0]), ()), [value])
    return keras.ops.convert_to_numpy(gradient)


@keras.saving.register_keras_serializable(package="kerastricks_tests")
def markedness(tn, fn, fp, tp):
    return tp / (tp + fp) + tn / (tn + fn) - 1.0


class AnyLossTest(testing.TestCase):
    def test_invalid_args(self):
        with self.assertRaisesRegex(ValueError, "metric='auc'"):
            kerastricks.losses.AnyLoss(metric="auc")
        with self.assertRaisesRegex(TypeError, "metric=3"):
            kerastricks.losses.AnyLoss(metric=3)
        with self.assertRaisesRegex(ValueError, "amplifying_scale=0"):
            kerastricks.losses.AnyLoss(amplifying_scale=0)
        with self.assertRaisesRegex(ValueError, "beta=-1"):
            kerastricks.losses.FBetaLoss(beta=-1)

    def test_config(self):
        for loss in (kerastricks.losses.AnyLoss(metric="balanced_accuracy",
                                                amplifying_scale=20.0,
                                                from_logits=True),
                     kerastricks.losses.AnyLoss(metric=markedness),
                     kerastricks.losses.FBetaLoss(beta=2.0),
                     kerastricks.losses.AccuracyLoss(),
                     kerastricks.losses.BalancedAccuracyLoss(),
                     kerastricks.losses.GeometricMeanLoss()):
            revived = self.run_serialization_test(loss)
            y = np.array([1, 0, 1, 0], "float32")
            p = np.array([0.7, 0.4, 0.2, 0.9], "float32")
            self.assertAllClose(revived(y, p), loss(y, p))

    def test_basics(self):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(32, 4)).astype("float32")
        y = (x[:, 0] > 0.8).astype("float32")  # imbalanced

        def build():
            return keras.Sequential([keras.Input((4,)),
                                     keras.layers.Dense(1,
                                                        activation="sigmoid")])

        for cls, _ in LOSSES.values():
            self.run_fit_test(build(), x, y, cls())
        self.run_mixed_precision_test(build, x, y,
                                      kerastricks.losses.FBetaLoss())
        model = build()
        model.compile(loss=kerastricks.losses.FBetaLoss(beta=2.0))
        self.run_saving_test(model, x)

    @parameterized.parameters("f1", "accuracy", "balanced_accuracy",
                              "geometric_mean")
    def test_correctness_against_reference(self, name):
        cls, reference_name = LOSSES[name]
        rng = np.random.default_rng(1)
        y = rng.integers(0, 2, size=20).astype("float32")
        p = rng.uniform(size=20).astype("float32")
        weight = rng.uniform(0.5, 2.0, size=20).astype("float32")
        counts = reference.np_soft_confusion_matrix(y, p, 73.0, weight)
        expected = 1.0 - reference.np_metric(reference_name, *counts)
        self.assertAllClose(cls()(y, p, sample_weight=weight), expected,
                            atol=1e-5, rtol=1e-5)
        # On hard predictions the loss is exactly 1 - the sklearn metric.
        hard = (p > 0.5).astype("float32")
        self.assertAllClose(cls()(y, hard), 1.0 - sklearn_score(name, y,
                                                                 hard),
                            atol=1e-6, rtol=1e-6)

    def test_soft_confusion_approaches_hard_as_scale_grows(self):
        rng = np.random.default_rng(2)
        y = rng.integers(0, 2, size=50)
        p = rng.uniform(size=50)
        hard = sk_metrics.confusion_matrix(y, p > 0.5).ravel()  # tn fp fn tp
        hard = np.array([hard[0], hard[2], hard[1], hard[3]], "float64")
        errors = []
        for scale in (5.0, 50.0, 500.0):
            counts = keras.ops.convert_to_numpy(keras.ops.stack(
                kerastricks.ops.soft_confusion_matrix(y, p, scale)))
            errors.append(np.abs(counts - hard).max())
        self.assertGreater(errors[0], errors[1])
        self.assertGreater(errors[1], errors[2])
        self.assertLess(errors[2], 0.5)

    def test_turning_a_false_negative_into_a_true_positive_helps(self):
        y = np.array([1, 1, 0, 0, 1], "float32")
        before = np.array([0.2, 0.9, 0.1, 0.3, 0.7], "float32")
        after = before.copy()
        after[0] = 0.8
        for cls, _ in LOSSES.values():
            self.assertLess(float(cls()(y, after)), float(cls()(y, before)))

    def test_general_form_takes_any_metric(self):
        y = np.array([1, 0, 1, 0], "float32")
        p = np.array([1.0, 0.0, 0.0, 1.0], "float32")  # TP=FN=FP=TN=1
        loss = kerastricks.losses.AnyLoss(metric=markedness)
        self.assertAllClose(loss(y, p), 1.0 - (0.5 + 0.5 - 1.0), atol=1e-6)

    @parameterized.parameters("f1", "accuracy", "balanced_accuracy",
                              "geometric_mean")
    def test_one_class_batch_matches_reference(self, name):
        # All-negative batches are the common case on imbalanced data. The
        # recall-based metrics score the classes present (sklearn's
        # balanced_accuracy_score convention).
        cls, reference_name = LOSSES[name]
        p = np.array([0.1, 0.7, 0.3, 0.2, 0.45], "float32")
        for label in (0.0, 1.0):
            y = np.full(5, label, "float32")
            counts = reference.np_soft_confusion_matrix(y, p)
            expected = 1.0 - reference.np_metric(reference_name, *counts)
            self.assertAllClose(cls()(y, p), expected, atol=1e-6, rtol=1e-5)
        if name == "balanced_accuracy":
            hard = (p > 0.5).astype("float32")
            y = np.zeros(5, "float32")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # sklearn: one class only
                score = sk_metrics.balanced_accuracy_score(y, hard)
            self.assertAllClose(cls()(y, hard), 1.0 - score, atol=1e-6)

    @parameterized.parameters("f1", "accuracy", "balanced_accuracy",
                              "geometric_mean")
    def test_training_on_a_batch_without_positives_stays_finite(self, name):
        # BinaryCrossentropy stays finite on such a batch; so must these.
        cls, _ = LOSSES[name]
        rng = np.random.default_rng(3)
        x = rng.normal(size=(16, 4)).astype("float32")
        y = np.zeros((16, 1), "float32")
        for loss in (keras.losses.BinaryCrossentropy(), cls()):
            model = keras.Sequential([
                keras.Input((4,)),
                keras.layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
            history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
            self.assertTrue(np.all(np.isfinite(history.history["loss"])))
            for weight in model.get_weights():
                self.assertTrue(np.all(np.isfinite(weight)), msg=str(loss))

    def test_saturated_geometric_mean_has_finite_gradient(self):
        # Every negative predicted 1.0 and every positive 0.0: TNR = TPR = 0
        # exactly in float32 and sqrt has an infinite slope at 0.
        y = keras.ops.convert_to_tensor(np.array([1, 0, 1, 0], "float32"))
        p = keras.ops.convert_to_tensor(
            np.array([0.0, 1.0, 0.0, 1.0], "float32"))
        loss = kerastricks.losses.GeometricMeanLoss()
        gradient = gradient_of(lambda value: loss(y, value), p)
        self.assertAllClose(loss(y, p), 1.0)
        self.assertTrue(np.all(np.isfinite(gradient)))

    def test_static_input_checks(self):
        y = np.array([1, 0, 1, 0], "float32")
        for cls, _ in LOSSES.values():
            with self.assertRaisesRegex(TypeError, "floating-point `y_pred`"):
                cls()(y, np.array([1, 0, 1, 1], "int32"))
            with self.assertRaisesRegex(ValueError, r"shape \(4, 2\)"):
                cls()(y, np.full((4, 2), 0.5, "float32"))
        # A (batch, 1) sigmoid output with (batch,) labels is fine.
        loss = kerastricks.losses.FBetaLoss()
        p = np.array([0.9, 0.2, 0.8, 0.1], "float32")
        self.assertAllClose(loss(y, p[:, None]), loss(y, p))
        self.assertAllClose(loss(y.astype("int32"), p), loss(y, p))
        self.assertAllClose(loss(y.astype("bool"), p), loss(y, p))

    def test_label_value_checks_are_opt_in(self):
        y = np.array([2, 0, 1, -1], "float32")
        p = np.array([0.9, 0.2, 0.8, 0.1], "float32")
        loss = kerastricks.losses.BalancedAccuracyLoss()
        loss(y, p)  # off by default: no host copy of the labels
        validation.enable_label_value_checks()
        try:
            with self.assertRaisesRegex(ValueError,
                                        r"outside, e.g. \[-1.0, 2.0\]"):
                loss(y, p)
            loss(np.array([1, 0, 1, 0], "float32"), p)
        finally:
            validation.enable_label_value_checks(False)
