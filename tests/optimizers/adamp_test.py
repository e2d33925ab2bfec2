import functools

import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from kerastricks.testing.test_case import MULTI_STEP_TOLERANCE
from tests.references import optimizers as reference


def orthogonal_gradients(seed=1):
    """Gradients orthogonal to each output channel of rank-2 weights, so the
    projection fires; vectors get plain random gradients."""
    rng = np.random.default_rng(seed)

    def gradient_fn(step, params):
        grads = []
        for p in params:
            g = rng.normal(size=p.shape)
            if p.ndim > 1:
                unit = p / np.linalg.norm(p, axis=0, keepdims=True)
                g = g - unit * np.sum(unit * g, axis=0, keepdims=True)
            grads.append(g.astype("float32"))
        return grads

    return gradient_fn


def whole_tensor_orthogonal_gradients(seed=2):
    """Gradients of rank-2 weights aligned with channel 0 and anti-aligned
    with channel 1 so that their dot products cancel: the per-channel view
    never fires and the whole-tensor view always does. Vectors get plain
    random gradients."""
    rng = np.random.default_rng(seed)

    def gradient_fn(step, params):
        grads = []
        for p in params:
            g = rng.normal(size=p.shape)
            if p.ndim > 1:
                w = p.reshape(-1, p.shape[-1])
                g = np.zeros_like(w)
                g[:, 0] = w[:, 0]
                g[:, 1] = -w[:, 1] * np.sum(w[:, 0] ** 2) / np.sum(
                    w[:, 1] ** 2)
                g = g.reshape(p.shape)
            grads.append(g.astype("float32"))
        return grads

    return gradient_fn


def run_steps_against_reference(test, optimizer, reference_optimizer,
                                 gradient_fn, shapes, steps=6):
    """`steps` of `optimizer.apply_gradients` equal the NumPy reference."""
    rng = np.random.default_rng(0)
    params = [rng.normal(size=shape).astype("float32") for shape in shapes]
    variables = [keras.Variable(p) for p in params]
    init, update = reference_optimizer
    state = init(params)
    for step in range(1, steps + 1):
        grads = gradient_fn(step, params)
        optimizer.apply_gradients(
            [(keras.ops.convert_to_tensor(g), v)
             for g, v in zip(grads, variables)])
        params, state = update(grads, state, params, step)
        for variable, expected in zip(variables, params):
            test.assertAllClose(variable, expected,
                                atol=MULTI_STEP_TOLERANCE,
                                rtol=MULTI_STEP_TOLERANCE)


class AdamPTest(testing.TestCase):
    def test_invalid_args(self):
        for kwargs, name in (
            ({"beta_1": 1.0}, "beta_1"),
            ({"learning_rate": -0.1}, "learning_rate"),
            ({"learning_rate": float("nan")}, "learning_rate"),
            ({"learning_rate": float("inf")}, "learning_rate"),
            ({"weight_decay": float("inf")}, "weight_decay"),
            ({"beta_2": -0.1}, "beta_2"),
            ({"epsilon": 0.0}, "epsilon"),
            ({"delta": -1.0}, "delta"),
            ({"wd_ratio": 1.5}, "wd_ratio"),
            ({"weight_decay": -1e-4}, "weight_decay"),
        ):
            with self.assertRaisesRegex(ValueError, f"{name}="):
                kerastricks.optimizers.AdamP(**kwargs)
        with self.assertRaisesRegex(TypeError, "nesterov"):
            kerastricks.optimizers.AdamP(nesterov="yes")

    def test_config(self):
        optimizer = kerastricks.optimizers.AdamP(
            learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7,
            delta=0.2, wd_ratio=0.3, nesterov=True, weight_decay=1e-4,
        )
        revived = self.run_serialization_test(optimizer)
        for name in ("beta_1", "beta_2", "epsilon", "delta", "wd_ratio",
                     "nesterov", "weight_decay"):
            self.assertEqual(getattr(revived, name), getattr(optimizer, name))

    @parameterized.product(nesterov=(False, True), weight_decay=(0.0, 0.1))
    def test_correctness_against_reference(self, nesterov, weight_decay):
        kwargs = {"learning_rate": 0.1, "nesterov": nesterov,
                  "weight_decay": weight_decay}
        self.run_optimizer_test(
            functools.partial(kerastricks.optimizers.AdamP, **kwargs),
            reference.adamp(**kwargs),
            steps=12,
            shapes=((3,), (3, 4), (2, 2, 3, 4)),
            gradient_fn=orthogonal_gradients(),
            check_convergence=False,
            check_weight_decay=False,
            check_gradient_accumulation=False,
            check_resumption=False,
        )

    @parameterized.parameters((False, 0.1), (True, 0.0))
    def test_whole_tensor_view_against_reference(self, nesterov,
                                                 weight_decay):
        # Steps where only the whole-tensor view fires, and (the vector)
        # where nothing is projected but weight decay applies in full.
        kwargs = {"learning_rate": 0.1, "nesterov": nesterov,
                  "weight_decay": weight_decay}
        run_steps_against_reference(
            self,
            kerastricks.optimizers.AdamP(**kwargs),
            reference.adamp(**kwargs),
            whole_tensor_orthogonal_gradients(),
            shapes=((3,), (4, 3), (2, 2, 3)),
        )

    def test_update_is_tangent_for_scale_invariant_kernel(self):
        # A conv kernel followed by BatchNorm: its gradient is orthogonal to
        # each output channel, so AdamP's update must be too, and the new norm
        # obeys Pythagoras. Adam's accumulated momentum breaks both.
        model = testing.problems.cnn()
        x = np.random.default_rng(0).normal(size=(8, 6, 6, 2))
        y = np.arange(8) % 3
        model.compile(
            optimizer=kerastricks.optimizers.AdamP(learning_rate=0.05),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        kernel = model.layers[0].kernel
        for _ in range(3):
            before = keras.ops.convert_to_numpy(kernel).reshape(-1, 4)
            model.train_on_batch(x, y)
            after = keras.ops.convert_to_numpy(kernel).reshape(-1, 4)
            change = after - before
            cosine = np.abs(np.sum(change * before, axis=0)) / (
                np.linalg.norm(change, axis=0) * np.linalg.norm(before,
                                                                axis=0)
            )
            self.assertLess(cosine.max(), 1e-4)
            np.testing.assert_allclose(
                np.sum(after**2), np.sum(before**2) + np.sum(change**2),
                rtol=1e-5,
            )

    def test_equals_adam_when_projection_never_fires(self):
        value = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
        adamp_var = keras.Variable(value)
        adam_var = keras.Variable(value)
        adamp = kerastricks.optimizers.AdamP(learning_rate=0.1)
        adam = keras.optimizers.Adam(learning_rate=0.1, epsilon=1e-8)
        for step in range(5):
            gradient = keras.ops.convert_to_tensor((step + 1.0) * value)  # ∥ w
            adamp.apply_gradients([(gradient, adamp_var)])
            adam.apply_gradients([(gradient, adam_var)])
        # Keras Adam folds the bias corrections into the step size; in float32
        # that drifts ~3e-6 from a float64 Adam after 5 steps (AdamP agrees
        # with float64 to 1e-7, see test_correctness_against_reference).
        self.assertAllClose(adamp_var, adam_var, atol=1e-5, rtol=1e-5)

    def test_distribution(self):
        self.run_distribution_test(
            functools.partial(kerastricks.optimizers.AdamP, learning_rate=0.1)
        )
