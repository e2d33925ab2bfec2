from kerastricks.api_export import kerastricks_export
from kerastricks.models.sam import SAM
from kerastricks.ops.sharpness_aware import surrogate_gap_gradient
from kerastricks.utils import validation


@kerastricks_export("kerastricks.models.GSAM")
class GSAM(SAM):
    """Surrogate Gap guided Sharpness-Aware Minimization (GSAM).

    SAM minimizes the loss at the worst nearby weights, which does not by
    itself prefer flat minima: a sharp minimum can have the same perturbed
    loss. GSAM also lowers the surrogate gap (perturbed loss minus loss, a
    measure of sharpness) by adding, to SAM's gradient, a step against the
    component of the plain gradient orthogonal to it; to first order that
    leaves the perturbed loss unchanged. Same cost as SAM: two forward and
    backward passes per step.

    ```python
    g = grad L(w)                                   # pass 1, BN updated
    e = rho * T**2 * g / (norm(T * g) + epsilon)    # as SAM / ASAM
    g_p = grad L(w + e)                             # pass 2
    cosine = <g, g_p> / (norm(g) norm(g_p) + epsilon)
    g_orth = g - cosine * norm(g) * g_p / (norm(g_p) + epsilon)
    w = optimizer.apply(g_p - alpha * g_orth, w)
    ```

    This is the authors' update (github.com/juntang-zhuang/GSAM) with a
    constant rho; their code also decays rho with the learning rate
    (`rho_t` between `rho_max` and `rho_min`), which this wrapper does not
    do. State updates, logged loss and `inner` are as in
    `kerastricks.models.SAM`.

    Args:
        model: a `keras.Model` (Sequential, functional or subclassed).
        rho: float >= 0, the neighbourhood radius ρ. Defaults to `0.05`.
        alpha: float >= 0, GSAM's α, the weight of the ascent on the
            surrogate gap (0 is SAM). Defaults to `0.2`, the authors'
            CIFAR example.
        adaptive: bool, ASAM's adaptive neighbourhood. Defaults to `False`.
        eta: float >= 0, ASAM's η (only read when `adaptive`). Defaults to
            `0.01`.
        epsilon: float > 0, added to the norms. Defaults to `1e-12`.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> gsam = kerastricks.models.GSAM(model, rho=0.05, alpha=0.2)
    >>> gsam.compile(optimizer="sgd", loss=keras.losses.
    ...              SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 4), np.arange(8) % 3
    >>> history = gsam.fit(x, y, epochs=1, verbose=0)
    >>> gsam.inner.predict(x, verbose=0).shape
    (8, 3)

    References:
        - [Zhuang et al., 2022](https://arxiv.org/abs/2203.08065),
          "Surrogate Gap Guided Sharpness-Aware Minimization", ICLR 2022.
    """

    def __init__(self, model, rho=0.05, alpha=0.2, adaptive=False,
                 eta=0.01, epsilon=1e-12, **kwargs):
        super().__init__(model, rho=rho, adaptive=adaptive, eta=eta,
                         epsilon=epsilon, **kwargs)
        self.alpha = validation.check_non_negative("alpha", alpha)

    def compute_gradients(
        self, trainable, non_trainable, metrics, optimizer_values, x, y,
        sample_weight,
    ):
        (_, aux), gradients = self.loss_and_gradients(
            trainable, non_trainable, metrics, optimizer_values, x, y,
            sample_weight,
        )
        perturbed_gradients = self.gradients_at(
            trainable, self.perturbation(gradients, trainable),
            non_trainable, metrics, optimizer_values, x, y, sample_weight,
        )
        return surrogate_gap_gradient(
            gradients, perturbed_gradients, self.alpha, self.epsilon
        ), aux

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
