import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import learning_rate_schedules as curves
from kerastricks.utils import validation


@kerastricks_export("kerastricks.schedules.CyclicalLearningRate")
class CyclicalLearningRate(keras.optimizers.schedules.LearningRateSchedule):
    """Cyclical learning rate: a triangle wave between two rates.

    Cycles the learning rate between `initial_learning_rate` and
    `maximal_learning_rate` instead of decaying it monotonically: the
    periodic high rates get the model out of saddle points and sharp
    regions, and the schedule needs little tuning (find the two bounds with
    an LR range test, set `step_size` to 2-10 epochs of steps). The
    amplitude shrinks each cycle in `"triangular2"` and each step in
    `"exp_range"`. The values equal tensorflow-addons'
    `CyclicalLearningRate` family and PyTorch's `CyclicLR`.

    ```python
    cycle = floor(1 + step / (2 * step_size))
    x = abs(step / step_size - 2 * cycle + 1)
    scale = {"triangular": 1, "triangular2": 1 / 2**(cycle - 1),
             "exp_range": gamma**step}[mode]    # or scale_fn(cycle | step)
    lr = initial + (maximal - initial) * max(0, 1 - x) * scale
    ```

    Args:
        initial_learning_rate: float >= 0, the lower bound (and the rate
            at step 0).
        maximal_learning_rate: float >= 0, the upper bound, reached at
            step `step_size` of each cycle (before scaling).
        step_size: number > 0, half a cycle in steps.
        mode: `"triangular"`, `"triangular2"` or `"exp_range"`; ignored
            when `scale_fn` is given. Defaults to `"triangular"`.
        gamma: float > 0, the per-step factor of `"exp_range"`. Defaults
            to `1.0`.
        scale_fn: None, or a function of a float32 tensor (the 1-based
            cycle number or the step, see `scale_mode`) written in
            `keras.ops`, returning the amplitude factor (register it with
            `keras.saving.register_keras_serializable` to save models).
            Defaults to `None`.
        scale_mode: `"cycle"` or `"iterations"`, what `scale_fn` receives.
            Defaults to `"cycle"`.
        name: string. Defaults to `"CyclicalLearningRate"`.

    Example:

    >>> schedule = kerastricks.schedules.CyclicalLearningRate(
    ...     initial_learning_rate=1e-4, maximal_learning_rate=1e-2,
    ...     step_size=4, mode="triangular2")
    >>> [round(float(schedule(step)), 5) for step in (0, 4, 8, 12)]
    [0.0001, 0.01, 0.0001, 0.00505]
    >>> optimizer = keras.optimizers.SGD(learning_rate=schedule)

    References:
        - [Smith, 2017](https://arxiv.org/abs/1506.01186), "Cyclical
          Learning Rates for Training Neural Networks", WACV 2017.
        - tensorflow-addons `tfa.optimizers.CyclicalLearningRate`,
          `TriangularCyclicalLearningRate`,
          `Triangular2CyclicalLearningRate` and
          `ExponentialCyclicalLearningRate`.
    """

    def __init__(self, initial_learning_rate, maximal_learning_rate,
                 step_size, mode="triangular", gamma=1.0, scale_fn=None,
                 scale_mode="cycle", name="CyclicalLearningRate"):
        super().__init__()
        self.initial_learning_rate = validation.check_non_negative(
            "initial_learning_rate", initial_learning_rate)
        self.maximal_learning_rate = validation.check_non_negative(
            "maximal_learning_rate", maximal_learning_rate)
        self.step_size = validation.check_positive("step_size", step_size)
        self.mode = validation.check_one_of("mode", mode,
                                            curves.CYCLICAL_MODES)
        self.gamma = validation.check_positive("gamma", gamma)
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(
                "Argument `scale_fn` must be None or a function of the "
                f"cycle number or step. Received: scale_fn={scale_fn!r}")
        self.scale_fn = scale_fn
        self.scale_mode = validation.check_one_of("scale_mode", scale_mode,
                                                  curves.SCALE_MODES)
        self.name = name

    def __call__(self, step):
        with keras.name_scope(self.name):
            return curves.cyclical_learning_rate(
                step, self.initial_learning_rate, self.maximal_learning_rate,
                self.step_size, mode=self.mode, gamma=self.gamma,
                scale_fn=self.scale_fn, scale_mode=self.scale_mode)

    def get_config(self):
        scale_fn = self.scale_fn
        if scale_fn is not None:
            scale_fn = keras.saving.serialize_keras_object(scale_fn)
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "maximal_learning_rate": self.maximal_learning_rate,
            "step_size": self.step_size,
            "mode": self.mode,
            "gamma": self.gamma,
            "scale_fn": scale_fn,
            "scale_mode": self.scale_mode,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("scale_fn") is not None:
            config["scale_fn"] = keras.saving.deserialize_keras_object(
                config["scale_fn"])
        return cls(**config)
