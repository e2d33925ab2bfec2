from kerastricks import backend
from kerastricks.api_export import kerastricks_export
from kerastricks.models.model_wrapper import ModelWrapper
from kerastricks.ops.sharpness_aware import sharpness_aware_perturbation
from kerastricks.utils import validation

# Keras names of what PyTorch calls `bias` (Dense/Conv bias, normalization
# beta): the authors' ASAM code leaves every parameter not named `weight`
# unnormalized (T = 1).
_UNNORMALIZED_NAMES = ("bias", "beta")


@kerastricks_export("kerastricks.models.SAM")
class SAM(ModelWrapper):
    """Sharpness-Aware Minimization (SAM) and, with `adaptive=True`, ASAM.

    Trains any Keras model to a minimum whose whole neighbourhood has low
    loss, which generalizes better than a sharp minimum: each step first
    climbs to the worst nearby weights `w + e` (first forward/backward
    pass), then hands the optimizer the gradient taken there (second pass),
    applied at the original weights. ASAM makes the neighbourhood scale
    with each weight's magnitude, so rescaling weights (e.g. before a
    normalization layer) does not change the measured sharpness. A step
    costs two forward and backward passes: about twice the base step.

    ```python
    g = grad L(w)                                    # pass 1, BN updated
    T = 1  or  abs(w) + eta    (adaptive; biases and betas keep T = 1)
    e = rho * T**2 * g / (norm(T * g) + epsilon)     # one global norm
    g_sam = grad L(w + e)                            # pass 2, BN untouched
    w = optimizer.apply(g_sam, w)
    ```

    BatchNorm moving statistics, dropout seeds and other non-trainable
    state are updated once per step, by the first pass (at w), as the
    authors do; the second pass reuses the same dropout masks. The logged
    loss and metrics are those of the first pass. Use `compile` and `fit`
    as with the wrapped model; `wrapper.inner` is the plain model for
    inference and export.

    Args:
        model: a `keras.Model` (Sequential, functional or subclassed).
        rho: float >= 0, the neighbourhood radius ρ. Defaults to `0.05`,
            SAM's CIFAR value; ASAM's authors use `0.5` (CIFAR-10) with
            `adaptive=True`. `rho=0` is plain training at twice the cost.
        adaptive: bool, ASAM's adaptive neighbourhood. Defaults to `False`.
        eta: float >= 0, ASAM's η, added to |w| so that zero weights stay
            perturbable (only read when `adaptive`). Defaults to `0.01`,
            the authors' value.
        epsilon: float > 0, added to the gradient norm. Defaults to `1e-12`.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> sam = kerastricks.models.SAM(model, rho=0.05)
    >>> sam.compile(optimizer="sgd", loss=keras.losses.
    ...             SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 4), np.arange(8) % 3
    >>> history = sam.fit(x, y, epochs=1, verbose=0)
    >>> sam.inner.predict(x, verbose=0).shape
    (8, 3)

    References:
        - [Foret et al., 2021](https://arxiv.org/abs/2010.01412),
          "Sharpness-Aware Minimization for Efficiently Improving
          Generalization".
        - [Kwon et al., 2021](https://arxiv.org/abs/2102.11600), "ASAM:
          Adaptive Sharpness-Aware Minimization for Scale-Invariant Learning
          of Deep Neural Networks".
    """

    def __init__(self, model, rho=0.05, adaptive=False, eta=0.01,
                 epsilon=1e-12, **kwargs):
        super().__init__(model, **kwargs)
        self.rho = validation.check_non_negative("rho", rho)
        self.adaptive = validation.check_bool("adaptive", adaptive)
        self.eta = validation.check_non_negative("eta", eta)
        self.epsilon = validation.check_positive("epsilon", epsilon)

    def train_step(self, *args):
        return backend.get().train_step(self, *args)

    def compute_gradients(
        self, trainable, non_trainable, metrics, optimizer_values, x, y,
        sample_weight,
    ):
        (_, aux), gradients = self.loss_and_gradients(
            trainable, non_trainable, metrics, optimizer_values, x, y,
            sample_weight,
        )
        perturbations = self.perturbation(gradients, trainable)
        gradients = self.gradients_at(
            trainable, perturbations, non_trainable, metrics,
            optimizer_values, x, y, sample_weight,
        )
        return gradients, aux

    def perturbation(self, direction, trainable):
        """The ascent step e along `direction` (the gradient at w, for
        SAM): `rho * T**2 * d / (norm(T * d) + epsilon)`, see
        `kerastricks.ops.sharpness_aware_perturbation`."""
        return sharpness_aware_perturbation(
            direction,
            trainable,
            rho=self.rho,
            adaptive=self.adaptive,
            eta=self.eta,
            epsilon=self.epsilon,
            adaptive_variables=[
                v.name not in _UNNORMALIZED_NAMES
                for v in self.trainable_variables
            ],
        )

    def gradients_at(
        self, trainable, perturbations, non_trainable, metrics,
        optimizer_values, x, y, sample_weight,
    ):
        """The gradients at `trainable + perturbations` (the second pass).
        Its non-trainable and metric updates are dropped: the state
        advances once per step, at w."""
        perturbed = [
            value if e is None else value + e
            for value, e in zip(trainable, perturbations)
        ]
        _, gradients = self.loss_and_gradients(
            perturbed, non_trainable, metrics, optimizer_values, x, y,
            sample_weight,
        )
        return gradients

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "adaptive": self.adaptive,
                "eta": self.eta,
                "epsilon": self.epsilon,
            }
        )
        return config
