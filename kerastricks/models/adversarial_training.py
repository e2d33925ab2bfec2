import keras
from keras import ops

from kerastricks import backend
from kerastricks.api_export import kerastricks_export
from kerastricks.models.model_wrapper import ModelWrapper
from kerastricks.ops.adversarial import ATTACKS
from kerastricks.ops.adversarial import adversarial_examples
from kerastricks.ops.adversarial import check_input_range
from kerastricks.utils import validation

# The papers' mix of clean and adversarial loss: Goodfellow et al. weigh
# both halves 0.5 (alpha = 0.5); Madry et al. train on adversarial
# examples only.
_PAPER_ADVERSARIAL_WEIGHT = {"fgsm": 0.5, "pgd": 1.0}
_SEED_STATE_KEY = "attack_seed_state"


@kerastricks_export("kerastricks.models.AdversarialTraining")
class AdversarialTraining(ModelWrapper):
    """Adversarial training with FGSM or PGD examples, around any model.

    Each step first attacks the batch: it moves every input, within an
    L-infinity ball of radius `epsilon`, in the direction that increases
    the loss the most (FGSM: one signed-gradient step; PGD: `steps` signed
    steps of `step_size` from a random point of the ball, projected back
    onto it). It then trains on a mix of the clean and adversarial losses.
    The model becomes robust to such perturbations (higher accuracy under
    attack), usually at some cost in clean accuracy. PGD costs `steps`
    extra forward and backward passes per step, FGSM one.

    ```python
    # the attack (inference mode, the current weights, not differentiated)
    fgsm: x_adv = clip(x + epsilon * sign(grad_x L(x)))
    pgd:  x_adv = x + uniform(-epsilon, epsilon)            (random_start)
          repeat steps: x_adv = project(x_adv + step_size * sign(grad_x L))
    # the training loss
    L_train = (1 - adversarial_weight) * L(x) + adversarial_weight * L(x_adv)
    ```

    `project` clips to the ball and to `input_range`. The input gradient
    comes from the backend need `loss_and_input_gradients`, so the whole
    step compiles (XLA on JAX and TensorFlow, torch.compile on torch). The
    attack runs the model in inference mode (BatchNormalization uses its
    moving statistics, no dropout); the non-trainable state (BatchNorm
    statistics) advances with the clean pass, or with the adversarial pass
    when `adversarial_weight=1`, and the logged metrics are those of that
    pass. Use `compile` and `fit` as with the wrapped model;
    `wrapper.inner` is the plain model.

    Args:
        model: a `keras.Model` with one floating-point input.
        attack: `"fgsm"` or `"pgd"`. Defaults to `"pgd"`.
        epsilon: float >= 0, the radius of the L-infinity ball, in input
            units. Defaults to `8 / 255`, Madry et al.'s CIFAR-10 value
            for inputs in [0, 1] (Goodfellow et al. use 0.25 and Madry et
            al. 0.3 on MNIST).
        step_size: float >= 0, PGD's step. Defaults to `2 / 255` (Madry et
            al., CIFAR-10). Not read by FGSM.
        steps: positive int, PGD's iterations. Defaults to `7` (Madry et
            al.'s CIFAR-10 training attack). Not read by FGSM.
        random_start: bool, PGD starts from a uniform point of the ball.
            Defaults to `True`. Not read by FGSM.
        adversarial_weight: float in [0, 1] or None, the weight of the
            adversarial loss; None takes the paper's: `0.5` for FGSM
            (Goodfellow et al.'s alpha), `1.0` for PGD (Madry et al.).
            Defaults to `None`.
        input_range: None or a pair `(low, high)` that adversarial inputs
            are clipped to (e.g. `(0.0, 1.0)` for images in [0, 1]).
            Defaults to `None` (no clipping).
        seed: int or None, the seed of PGD's random start. Defaults to
            `None`.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> robust = kerastricks.models.AdversarialTraining(
    ...     model, attack="fgsm", epsilon=0.1)
    >>> robust.compile(optimizer="sgd", loss=keras.losses.
    ...                SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 4), np.arange(8) % 3
    >>> history = robust.fit(x, y, epochs=1, verbose=0)
    >>> robust.inner.predict(x, verbose=0).shape
    (8, 3)

    References:
        - [Goodfellow et al., 2015](https://arxiv.org/abs/1412.6572),
          "Explaining and Harnessing Adversarial Examples".
        - [Madry et al., 2018](https://arxiv.org/abs/1706.06083),
          "Towards Deep Learning Models Resistant to Adversarial Attacks".
    """

    def __init__(self, model, attack="pgd", epsilon=8 / 255,
                 step_size=2 / 255, steps=7, random_start=True,
                 adversarial_weight=None, input_range=None, seed=None,
                 **kwargs):
        super().__init__(model, **kwargs)
        self.attack = validation.check_one_of("attack", attack, ATTACKS)
        self.epsilon = validation.check_non_negative("epsilon", epsilon)
        self.step_size = validation.check_non_negative("step_size",
                                                       step_size)
        self.steps = validation.check_positive_int("steps", steps)
        self.random_start = validation.check_bool("random_start",
                                                  random_start)
        if adversarial_weight is not None:
            validation.check_in_range("adversarial_weight",
                                      adversarial_weight, low=0, high=1)
        self.adversarial_weight = adversarial_weight
        self.input_range = check_input_range(input_range)
        if seed is not None:
            validation.check_number("seed", seed)
            if int(seed) != seed:
                raise TypeError("Argument `seed` must be an int or None. "
                                f"Received: seed={seed!r}")
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    @property
    def effective_adversarial_weight(self):
        """`adversarial_weight`, or the paper's value for the attack."""
        if self.adversarial_weight is None:
            return _PAPER_ADVERSARIAL_WEIGHT[self.attack]
        return self.adversarial_weight

    def train_step(self, *args):
        return backend.get().train_step(self, *args)

    def adversarial_inputs(self, trainable, non_trainable, x, y,
                           sample_weight):
        """`(x_adv, non_trainable)`: the attacked batch at the given
        weights, and the non-trainable values with the seed generator's
        state advanced."""
        mapping = list(zip(self.trainable_variables, trainable))
        mapping += zip(self.non_trainable_variables, non_trainable)

        def attacked_loss(inputs):
            with keras.StatelessScope(state_mapping=mapping):
                y_pred = self.inner(inputs, training=False)
                return self.compute_loss(inputs, y, y_pred,
                                         sample_weight=sample_weight,
                                         training=False)

        with keras.StatelessScope(state_mapping=mapping) as scope:
            x_adv = adversarial_examples(
                attacked_loss, x, attack=self.attack, epsilon=self.epsilon,
                step_size=self.step_size, steps=self.steps,
                random_start=self.random_start, input_range=self.input_range,
                seed=self.seed_generator)
        non_trainable = [scope.get_current_value(v)
                         for v in self.non_trainable_variables]
        return x_adv, non_trainable

    def compute_gradients(
        self, trainable, non_trainable, metrics, optimizer_values, x, y,
        sample_weight,
    ):
        x = ops.convert_to_tensor(x)
        validation.check_floating_input(type(self).__name__, "x", x)
        x_adv, non_trainable = self.adversarial_inputs(
            trainable, non_trainable, x, y, sample_weight)
        weight = self.effective_adversarial_weight

        def mixed_loss(values):
            adversarial, adversarial_aux = self.scaled_loss_and_updates(
                values, non_trainable, metrics, optimizer_values, x_adv, y,
                sample_weight)
            if weight == 1:
                return adversarial, adversarial_aux
            clean, (clean_loss, y_pred, updated, metric_values) = (
                self.scaled_loss_and_updates(
                    values, non_trainable, metrics, optimizer_values, x, y,
                    sample_weight))
            loss = (1 - weight) * clean_loss + weight * adversarial_aux[0]
            return ((1 - weight) * clean + weight * adversarial,
                    (loss, y_pred, updated, metric_values))

        (_, aux), gradients = backend.get().loss_and_gradients(mixed_loss,
                                                               trainable)
        return gradients, aux

    # Keras saves a model's own variables, not its seed generators' state;
    # PGD's random start must continue where it stopped for a resumed fit
    # to equal an uninterrupted one.
    def save_own_variables(self, store):
        super().save_own_variables(store)
        store[_SEED_STATE_KEY] = self.seed_generator.state

    def load_own_variables(self, store):
        keys = list(store.keys())
        if _SEED_STATE_KEY in keys:
            self.seed_generator.state.assign(store[_SEED_STATE_KEY])
        super().load_own_variables(
            {key: store[key] for key in keys if key != _SEED_STATE_KEY})

    def get_config(self):
        config = super().get_config()
        config.update({
            "attack": self.attack,
            "epsilon": self.epsilon,
            "step_size": self.step_size,
            "steps": self.steps,
            "random_start": self.random_start,
            "adversarial_weight": self.adversarial_weight,
            "input_range": self.input_range,
            "seed": self.seed,
        })
        return config
