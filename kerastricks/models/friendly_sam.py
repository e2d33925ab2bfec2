from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.models import _step_state
from kerastricks.models.sam import SAM
from kerastricks.utils import validation


@kerastricks_export("kerastricks.models.FriendlySAM")
class FriendlySAM(SAM):
    """Friendly Sharpness-Aware Minimization (F-SAM).

    SAM's ascent direction, the mini-batch gradient, is mostly the
    full-dataset gradient plus batch-specific noise. The authors find that
    the full-gradient part does not help generalization and even hurts, so
    F-SAM removes an estimate of it, an exponential moving average of past
    gradients, and perturbs along the remaining stochastic noise. Same
    cost as SAM (two passes per step) plus one slot per weight.

    ```python
    g = grad L(w)                                   # pass 1, BN updated
    d = g - sigma * m        (d = g at the first step)
    m = lmbda * m + (1 - lmbda) * g      (m = g at the first step)
    e = rho * T**2 * d / (norm(T * d) + epsilon)    # as SAM / ASAM
    w = optimizer.apply(grad L(w + e), w)           # pass 2
    ```

    This is the authors' code (github.com/nblt/F-SAM): the noise is taken
    against the average *before* this step's gradient joins it, and the
    first step is plain SAM. The average and a step counter are
    non-trainable variables of the wrapper, saved with it. State updates,
    logged loss and `inner` are as in `kerastricks.models.SAM`.

    Args:
        model: a `keras.Model` (Sequential, functional or subclassed).
        rho: float >= 0, the neighbourhood radius ρ. Defaults to `0.05`.
        sigma: float >= 0, how much of the averaged gradient is removed
            (σ; 0 is SAM). Defaults to `1.0`, the paper's value.
        lmbda: float in [0, 1), the decay λ of the gradient average.
            Defaults to `0.9`, the authors' default (their CIFAR runs use
            0.6 and 0.95).
        adaptive: bool, ASAM's adaptive neighbourhood. Defaults to `False`.
        eta: float >= 0, ASAM's η (only read when `adaptive`). Defaults to
            `0.01`.
        epsilon: float > 0, added to the norm. Defaults to `1e-12`.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> fsam = kerastricks.models.FriendlySAM(model, rho=0.05)
    >>> fsam.compile(optimizer="sgd", loss=keras.losses.
    ...              SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 4), np.arange(8) % 3
    >>> history = fsam.fit(x, y, epochs=1, verbose=0)
    >>> fsam.inner.predict(x, verbose=0).shape
    (8, 3)

    References:
        - [Li et al., 2024](https://arxiv.org/abs/2403.12350), "Friendly
          Sharpness-Aware Minimization", CVPR 2024.
    """

    def __init__(self, model, rho=0.05, sigma=1.0, lmbda=0.9,
                 adaptive=False, eta=0.01, epsilon=1e-12, **kwargs):
        super().__init__(model, rho=rho, adaptive=adaptive, eta=eta,
                         epsilon=epsilon, **kwargs)
        self.sigma = validation.check_non_negative("sigma", sigma)
        self.lmbda = validation.check_in_range(
            "lmbda", lmbda, 0, 1, high_inclusive=False
        )

    def build_state(self, output_spec):
        self.add_step_state("gradient_average")

    def compute_gradients(
        self, trainable, non_trainable, metrics, optimizer_values, x, y,
        sample_weight,
    ):
        (_, aux), gradients = self.loss_and_gradients(
            trainable, non_trainable, metrics, optimizer_values, x, y,
            sample_weight,
        )
        step_position, slot_positions = _step_state.positions(self)
        started = ops.greater(non_trainable[step_position], 0)
        directions, averages = [], []
        for gradient, position in zip(gradients, slot_positions):
            average = non_trainable[position]
            if gradient is None:
                directions.append(None)
                averages.append(average)
                continue
            gradient = ops.cast(gradient, average.dtype)
            directions.append(
                ops.where(started, gradient - self.sigma * average, gradient)
            )
            averages.append(ops.where(
                started,
                self.lmbda * average + (1.0 - self.lmbda) * gradient,
                gradient,
            ))
        gradients = self.gradients_at(
            trainable, self.perturbation(directions, trainable),
            non_trainable, metrics, optimizer_values, x, y, sample_weight,
        )
        return gradients, _step_state.advance(
            aux, non_trainable, step_position,
            dict(zip(slot_positions, averages)))

    def get_config(self):
        config = super().get_config()
        config.update({"sigma": self.sigma, "lmbda": self.lmbda})
        return config
