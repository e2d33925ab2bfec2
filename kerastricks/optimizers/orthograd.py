import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.orthograd import orthogonalize_gradient
from kerastricks.optimizers.optimizer_wrapper import OptimizerWrapper
from kerastricks.utils import validation


@kerastricks_export("kerastricks.optimizers.OrthoGrad")
class OrthoGrad(OptimizerWrapper):
    """⊥Grad: hands any optimizer gradients orthogonal to their weights.

    Once a classifier fits its training set, the cheapest way to lower the
    cross-entropy further is to scale the weights up along their current
    direction ("naive loss minimization"). That inflates the logits until
    softmax collapses numerically and delays or prevents generalization
    (grokking). ⊥Grad removes the component of every gradient along its own
    weight tensor, then restores the gradient's norm, before the wrapped
    optimizer steps. It speeds up grokking without weight decay.

    ```python
    for each variable w with gradient g (both flattened):
        g_perp = g - (w @ g) / (w @ w + epsilon) * w
        g = g_perp * norm(g) / (norm(g_perp) + epsilon)
    optimizer.apply(g)
    ```

    The learning rate and options such as `weight_decay`, `clipnorm` or
    `use_ema` belong to the wrapped optimizer and are refused here (as
    `keras.optimizers.LossScaleOptimizer` refuses them): set them on the
    wrapped optimizer. `OrthoGrad.learning_rate` reads and sets the wrapped
    optimizer's rate, so `keras.callbacks.LearningRateScheduler` works.
    Gradients are transformed before the inner optimizer's clipping and
    weight decay, as in the authors' code.

    Args:
        optimizer: a `keras.optimizers.Optimizer` instance (or its serialized
            dict / string identifier such as `"adamw"`) that applies the
            transformed gradients with its own learning rate.
        epsilon: float > 0, the floor of both denominators. Defaults to
            `1e-30`, the authors' value.
        name: string, the wrapper's name. Defaults to `"orthograd"`.

    Example:

    >>> optimizer = kerastricks.optimizers.OrthoGrad(
    ...     keras.optimizers.SGD(learning_rate=0.1, momentum=0.8))
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer=optimizer, loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Prieto et al., 2025](https://arxiv.org/abs/2501.04697), "Grokking at
          the Edge of Numerical Stability".
    """

    own_arguments = ("epsilon",)
    example_optimizer = "AdamW"

    def __init__(self, optimizer, epsilon=1e-30, name="orthograd", **kwargs):
        super().__init__(optimizer, name=name, **kwargs)
        self.epsilon = validation.check_positive("epsilon", epsilon)

    def _orthogonalize(self, grads, values):
        return [
            None
            if gradient is None
            else orthogonalize_gradient(gradient, value, self.epsilon)
            for gradient, value in zip(grads, values)
        ]

    def apply(self, grads, trainable_variables=None):
        variables = self._build_for(trainable_variables)
        self.optimizer.apply(
            self._orthogonalize(grads, variables), trainable_variables
        )

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        own_count = len(self.own_variables)
        grads = self._orthogonalize(grads, trainable_variables)
        trainable_variables, inner_variables = self.optimizer.stateless_apply(
            optimizer_variables[own_count:], grads, trainable_variables
        )
        # The wrapper's own state does not change; return values, not
        # `keras.Variable`s, because `LossScaleOptimizer` (mixed precision)
        # calls this inside `ops.cond`, whose branches must return arrays.
        own_values = [
            keras.ops.convert_to_tensor(value)
            for value in optimizer_variables[:own_count]
        ]
        return trainable_variables, own_values + list(inner_variables)

    def get_config(self):
        return {
            **super().get_config(),
            "epsilon": self.epsilon,
        }
