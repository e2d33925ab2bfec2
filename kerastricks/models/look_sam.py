from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.models import _step_state
from kerastricks.models.sam import SAM
from kerastricks.ops.sharpness_aware import orthogonal_component
from kerastricks.utils import validation


def _global_norm(tensors):
    return ops.sqrt(sum(ops.sum(ops.square(t)) for t in tensors))


@kerastricks_export("kerastricks.models.LookSAM")
class LookSAM(SAM):
    """LookSAM: SAM's second pass only every `k` steps.

    The part of SAM's gradient that differs from the plain gradient, its
    component orthogonal to it, changes slowly from step to step. LookSAM
    computes the SAM gradient every `k` steps, keeps that orthogonal
    component g_v, and in between adds it back to the plain gradient,
    rescaled to the current gradient's norm, at the cost of one pass. On
    average a step costs `1 + 1/k` forward and backward passes instead of
    SAM's 2.

    ```python
    g = grad L(w)                                     # every step
    if step % k == 0:
        g_s = grad L(w + rho * g / (norm(g) + epsilon))     # SAM
        g_v = orthogonal_component(g_s, g)            # kept in a slot
        update = g_s
    else:
        update = g + alpha * norm(g) / (norm(g_v) + epsilon) * g_v
    w = optimizer.apply(update, w)
    ```

    This is Algorithm 1 of the paper (the authors released no code), with
    the perturbation of `kerastricks.models.SAM` (ASAM's with `adaptive`).
    The choice is `keras.ops.cond` on a step counter variable, so the
    step compiles once and runs only the second pass it needs; the slots
    and the counter are non-trainable variables of the wrapper, saved
    with it. State updates, logged loss and `inner` are as in SAM.

    Args:
        model: a `keras.Model` (Sequential, functional or subclassed).
        rho: float >= 0, the neighbourhood radius ρ. Defaults to `0.05`.
        k: int >= 1, compute the SAM gradient every `k` steps (1 is SAM).
            Defaults to `5`, the paper's value.
        alpha: float >= 0, the weight α of the reused component. Defaults
            to `0.7`, the paper's value.
        adaptive: bool, ASAM's adaptive neighbourhood. Defaults to `False`.
        eta: float >= 0, ASAM's η (only read when `adaptive`). Defaults to
            `0.01`.
        epsilon: float > 0, added to the norms. Defaults to `1e-12`.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> looksam = kerastricks.models.LookSAM(model, rho=0.05, k=5)
    >>> looksam.compile(optimizer="sgd", loss=keras.losses.
    ...                 SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 4), np.arange(8) % 3
    >>> history = looksam.fit(x, y, epochs=1, verbose=0)
    >>> looksam.inner.predict(x, verbose=0).shape
    (8, 3)

    References:
        - [Liu et al., 2022](https://arxiv.org/abs/2203.02714), "Towards
          Efficient and Scalable Sharpness-Aware Minimization", CVPR 2022.
    """

    def __init__(self, model, rho=0.05, k=5, alpha=0.7, adaptive=False,
                 eta=0.01, epsilon=1e-12, **kwargs):
        super().__init__(model, rho=rho, adaptive=adaptive, eta=eta,
                         epsilon=epsilon, **kwargs)
        self.k = validation.check_positive_int("k", k)
        self.alpha = validation.check_non_negative("alpha", alpha)

    def build_state(self, output_spec):
        self.add_step_state("orthogonal_gradient")

    def compute_gradients(
        self, trainable, non_trainable, metrics, optimizer_values, x, y,
        sample_weight,
    ):
        (_, aux), gradients = self.loss_and_gradients(
            trainable, non_trainable, metrics, optimizer_values, x, y,
            sample_weight,
        )
        step_position, slot_positions = _step_state.positions(self)
        step = non_trainable[step_position]
        # Variables without a gradient keep their slot and get no update.
        present = [i for i, g in enumerate(gradients) if g is not None]
        kept = [non_trainable[slot_positions[i]] for i in present]
        plain = [ops.cast(gradients[i], kept[j].dtype)
                 for j, i in enumerate(present)]

        def sam_step():
            perturbed_gradients = self.gradients_at(
                trainable, self.perturbation(gradients, trainable),
                non_trainable, metrics, optimizer_values, x, y,
                sample_weight,
            )
            sam = [ops.cast(perturbed_gradients[i], kept[j].dtype)
                   for j, i in enumerate(present)]
            return sam, orthogonal_component(sam, plain, self.epsilon)

        def reuse_step():
            scale = self.alpha * _global_norm(plain) / (
                _global_norm(kept) + self.epsilon)
            return [g + scale * v for g, v in zip(plain, kept)], list(kept)

        updates, orthogonal = ops.cond(
            ops.equal(step % self.k, 0), sam_step, reuse_step
        )
        new_gradients = list(gradients)
        for j, i in enumerate(present):
            new_gradients[i] = updates[j]
        new_slots = {slot_positions[i]: orthogonal[j]
                     for j, i in enumerate(present)}
        return new_gradients, _step_state.advance(
            aux, non_trainable, step_position, new_slots)

    def get_config(self):
        config = super().get_config()
        config.update({"k": self.k, "alpha": self.alpha})
        return config
