import functools

import keras
import numpy as np
from absl.testing import parameterized

import kerastricks
from kerastricks import testing
from tests.optimizers.adamp_test import orthogonal_gradients
from tests.optimizers.adamp_test import run_steps_against_reference
from tests.optimizers.adamp_test import whole_tensor_orthogonal_gradients
from tests.references import optimizers as reference


class SGDPTest(testing.TestCase):
    def test_invalid_args(self):
        for kwargs, name in (
            ({"momentum": 1.0}, "momentum"),
            ({"learning_rate": -0.1}, "learning_rate"),
            ({"learning_rate": float("nan")}, "learning_rate"),
            ({"learning_rate": float("inf")}, "learning_rate"),
            ({"weight_decay": float("inf")}, "weight_decay"),
            ({"dampening": 2.0}, "dampening"),
            ({"epsilon": -1.0}, "epsilon"),
            ({"delta": 0.0}, "delta"),
            ({"wd_ratio": -0.1}, "wd_ratio"),
            ({"weight_decay": -1.0}, "weight_decay"),
        ):
            with self.assertRaisesRegex(ValueError, f"{name}="):
                kerastricks.optimizers.SGDP(**kwargs)

    def test_config(self):
        self.run_serialization_test(
            kerastricks.optimizers.SGDP(
                learning_rate=0.1, momentum=0.9, dampening=0.1, nesterov=True,
                epsilon=1e-6, delta=0.2, wd_ratio=0.5, weight_decay=1e-4,
            )
        )

    @parameterized.product(
        momentum=(0.0, 0.9), nesterov=(False, True), weight_decay=(0.0, 0.1)
    )
    def test_correctness_against_reference(self, momentum, nesterov,
                                           weight_decay):
        kwargs = {"learning_rate": 0.1, "momentum": momentum,
                  "nesterov": nesterov, "weight_decay": weight_decay,
                  "dampening": 0.0 if nesterov else 0.1}
        self.run_optimizer_test(
            functools.partial(kerastricks.optimizers.SGDP, **kwargs),
            reference.sgdp(**kwargs),
            steps=12,
            shapes=((3,), (3, 4), (2, 2, 3, 4)),
            gradient_fn=orthogonal_gradients(),
            check_convergence=False,
            check_weight_decay=False,
            check_gradient_accumulation=False,
            check_resumption=False,
        )

    @parameterized.parameters((0.9, False, 0.1), (0.9, True, 0.0),
                              (0.0, False, 0.1))
    def test_whole_tensor_view_against_reference(self, momentum, nesterov,
                                                 weight_decay):
        kwargs = {"learning_rate": 0.1, "momentum": momentum,
                  "nesterov": nesterov, "weight_decay": weight_decay,
                  "dampening": 0.0 if nesterov else 0.1}
        run_steps_against_reference(
            self,
            kerastricks.optimizers.SGDP(**kwargs),
            reference.sgdp(**kwargs),
            whole_tensor_orthogonal_gradients(),
            shapes=((3,), (4, 3), (2, 2, 3)),
        )

    def test_momentum_buffer_is_not_projected(self):
        # Paper, Algorithm 1: the buffer keeps the raw gradient; only the step
        # is projected. (The authors' code also projects the buffer.)
        w = np.array([[1.0, 0.0], [0.0, 1.0]], "float32")
        g = np.array([[0.0, 1.0], [1.0, 0.0]], "float32")
        variable = keras.Variable(w)
        optimizer = kerastricks.optimizers.SGDP(learning_rate=0.1,
                                                momentum=0.9)
        optimizer.apply_gradients([(g, variable)])
        self.assertAllClose(optimizer._momentums[0], g)

    def test_distribution(self):
        self.run_distribution_test(
            functools.partial(kerastricks.optimizers.SGDP, learning_rate=0.1,
                              momentum=0.9)
        )
