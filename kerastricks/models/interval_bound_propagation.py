from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.models import model_wrapper
from kerastricks.ops import interval_bounds as interval
from kerastricks.utils import validation
from kerastricks.utils.interval_bounds import interval_bounds


@kerastricks_export("kerastricks.models.IntervalBoundPropagation")
class IntervalBoundPropagation(model_wrapper.ModelWrapper):
    """Certified training with interval bound propagation (IBP).

    Wraps a classifier (a chain of Dense/Conv/BatchNorm/ReLU/Flatten
    layers, see `kerastricks.utils.interval_bounds`) so that `fit` trains
    it to be verifiably robust to L-infinity perturbations: each step also
    bounds the logits over the ball of radius epsilon around every input
    and trains on a mix of the nominal logits and the *worst-case* logits
    (the true class at its lower bound, every other class at its upper
    bound). The compiled loss scores both, so any classification loss
    works. Epsilon ramps linearly from 0 and kappa from 1 after a warm-up,
    which the paper finds essential for IBP training to start.

    ```python
    t = clip((step - warmup_steps) / ramp_steps, 0, 1)
    eps_t, kappa_t = t * epsilon, 1 - t * (1 - kappa)
    lower, upper = interval_bounds(model, x, eps_t)
    worst = where(one_hot(y), lower, upper)
    loss = kappa_t * loss(y, model(x)) + (1 - kappa_t) * loss(y, worst)
    ```

    Evaluation and prediction are the nominal model's. Batch normalization
    is bounded with its moving statistics, also while training.

    Args:
        model: the `keras.Model` to train (returning logits).
        epsilon: float > 0, the training radius (ε_train). The paper trains
            with 0.2 on MNIST for a test radius of 0.1, 0.4 for 0.2-0.4, and
            1.1 times the test radius on CIFAR-10 (e.g. 8.8/255).
        kappa: float in [0, 1], the final weight of the nominal loss (κ).
            Defaults to `0.5`, the paper's.
        warmup_steps: int >= 0, steps of nominal training before the ramp.
            Defaults to `2000` (the paper's MNIST schedule).
        ramp_steps: int >= 0, steps over which epsilon and kappa ramp.
            Defaults to `10000` (the paper's MNIST schedule).
        clip_min: optional float, the smallest valid input (0 for images in
            [0, 1]). Defaults to `None`.
        clip_max: optional float, the largest valid input. Defaults to
            `None`.
        **kwargs: `keras.Model` arguments (`name`, ...).

    Example:

    >>> inner = keras.Sequential([keras.Input((4,)),
    ...                           keras.layers.Dense(8, activation="relu"),
    ...                           keras.layers.Dense(3)])
    >>> model = kerastricks.models.IntervalBoundPropagation(
    ...     inner, epsilon=0.1, warmup_steps=0, ramp_steps=4)
    >>> model.compile(optimizer="adam",
    ...               loss=keras.losses.SparseCategoricalCrossentropy(
    ...                   from_logits=True))
    >>> history = model.fit(np.random.rand(8, 4), np.arange(8) % 3,
    ...                     epochs=1, verbose=0)

    References:
        - [Gowal et al., 2018](https://arxiv.org/abs/1810.12715), "On the
          Effectiveness of Interval Bound Propagation for Training
          Verifiably Robust Models".
        - [Mao et al., 2023](https://arxiv.org/abs/2306.10426),
          "Understanding Certified Training with Interval Bound
          Propagation".
    """

    def __init__(self, model, epsilon, kappa=0.5, warmup_steps=2000,
                 ramp_steps=10000, clip_min=None, clip_max=None, **kwargs):
        super().__init__(model, **kwargs)
        self.epsilon = validation.check_positive("epsilon", epsilon)
        self.kappa = validation.check_in_range("kappa", kappa, 0.0, 1.0)
        self.warmup_steps = _check_steps("warmup_steps", warmup_steps)
        self.ramp_steps = _check_steps("ramp_steps", ramp_steps)
        for name, value in (("clip_min", clip_min), ("clip_max", clip_max)):
            if value is not None:
                validation.check_number(name, value)
        if None not in (clip_min, clip_max) and clip_min >= clip_max:
            raise ValueError(
                "Argument `clip_min` must be below `clip_max`. Received: "
                f"clip_min={clip_min!r}, clip_max={clip_max!r}"
            )
        self.clip_min = clip_min
        self.clip_max = clip_max
        self.step_count = self.add_weight(
            shape=(), dtype="int32", initializer="zeros", trainable=False,
            autocast=False, name="ibp_step",
        )

    def schedule(self, step):
        """`(epsilon, kappa)` at a training step (tensors)."""
        fraction = interval.ramp_fraction(step, self.warmup_steps,
                                          self.ramp_steps)
        return (fraction * self.epsilon,
                1.0 - fraction * (1.0 - self.kappa))

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        nominal = super().compute_loss(
            x, y, y_pred, sample_weight=sample_weight, training=training
        )
        if not training:
            return nominal
        epsilon, kappa = self.schedule(self.step_count)
        self.step_count.assign_add(1)
        lower, upper = interval_bounds(
            self.inner, model_wrapper.model_inputs(x), epsilon,
            clip_min=self.clip_min, clip_max=self.clip_max)
        worst = ops.cast(interval.worst_case_logits(lower, upper, y),
                         y_pred.dtype)
        robust = super().compute_loss(
            x, y, worst, sample_weight=sample_weight, training=training
        )
        # kappa + (1 - kappa) = 1: the model's regularization losses, which
        # both terms include, are counted once.
        return kappa * nominal + (1.0 - kappa) * robust

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "epsilon": self.epsilon,
                "kappa": self.kappa,
                "warmup_steps": self.warmup_steps,
                "ramp_steps": self.ramp_steps,
                "clip_min": self.clip_min,
                "clip_max": self.clip_max,
            }
        )
        return config


def _check_steps(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"Argument `{name}` must be an int >= 0. Received: "
            f"{name}={value!r} of type {type(value).__name__}"
        )
    return int(validation.check_non_negative(name, value))
