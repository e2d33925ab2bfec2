
import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.noise_adaptive_layerwise import muon_dual_norm
from kerastricks.ops.noise_adaptive_layerwise import noise_adaptive_multipliers
from kerastricks.ops.noise_adaptive_layerwise import update_noise_estimate
from kerastricks.optimizers.optimizer_wrapper import OptimizerWrapper
from kerastricks.optimizers.optimizer_wrapper import variable_position
from kerastricks.utils import keras_internals
from kerastricks.utils import validation


@kerastricks_export("kerastricks.optimizers.NoiseAdaptiveLayerwiseLR")
class NoiseAdaptiveLayerwiseLR(OptimizerWrapper):
    """Noise-adaptive layerwise learning rates on top of Keras's `Muon`.

    Muon gives every matrix the same learning rate, although gradient noise
    differs between layers and changes during training. This wrapper
    estimates each matrix's gradient noise on the fly, in the dual norm of
    the norm whose linear minimization oracle (LMO) Muon's step solves (the
    nuclear norm for the spectral norm), and lowers the learning rate of
    the layers noisier than the group's average. It helps when a few
    layers (often the first and last of a transformer block stack) carry
    much noisier gradients than the rest.

    ```python
    each step, for each matrix l that Muon steps (its spectral group):
        previous = g_l if first step else avg_l
        H_l = beta_2 * H_l + (1 - beta_2) * dual_norm(g_l - previous) ** 2
        avg_l = beta_1 * previous + (1 - beta_1) * g_l
    multiplier_l = min(1, sqrt((mean_j H_j + epsilon) / (H_l + epsilon)))
    w_l = w_l + multiplier_l * (muon_step(w_l) - w_l)
    ```

    `dual_norm(G) = rho * nuclear_norm(G)`, where `rho = rms_rate *
    sqrt(max(m, n))` is the radius of the spectral ball Keras's Muon steps
    to (1 with `rms_rate=None`). The multiplier scales the whole step of
    that matrix, weight decay included, as a per-layer learning rate would.
    The variables Muon hands to its AdamW branch (non-2D variables,
    embeddings, `exclude_layers`) keep the base learning rate. The noise
    estimates and gradient averages are optimizer variables (saved with
    the optimizer); the multipliers are computed with tensor ops in the
    compiled step, without a host round trip.

    After `build`, `noise_estimates` lists the estimates H of the matrices
    Muon steps spectrally, in the order of the variables; pass their
    stacked values to `kerastricks.ops.noise_adaptive_multipliers` to read
    the current multipliers.

    The learning rate and base options (`weight_decay`, `clipnorm`,
    `gradient_accumulation_steps`, ...) belong to the wrapped `Muon` and
    are refused here. With gradient accumulation the noise estimate sees
    every micro-batch gradient.

    The paper's method section could not be read in full; the rule above
    (the mean-normalized inverse square root, the estimator of the noise
    as the deviation from a gradient average) is this library's reading of
    its abstract and is documented as such on the method card.

    Args:
        optimizer: a `keras.optimizers.Muon` instance, or its serialized
            dict or the string `"muon"`.
        beta_1: float in [0, 1), the decay of the per-layer gradient
            average the noise is measured against. Defaults to `0.9`.
        beta_2: float in [0, 1), the decay of the per-layer noise estimate
            H. Defaults to `0.99`.
        epsilon: positive float added to the noise estimates in the
            multiplier's ratio. Defaults to `1e-12`.
        name: string, the wrapper's name. Defaults to
            `"noise_adaptive_layerwise_lr"`.

    Example:

    >>> optimizer = kerastricks.optimizers.NoiseAdaptiveLayerwiseLR(
    ...     keras.optimizers.Muon(learning_rate=0.01))
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
    ...                           keras.layers.Dense(2)])
    >>> model.compile(optimizer=optimizer, loss="mse")
    >>> history = model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)

    References:
        - [Hao et al., 2025](https://arxiv.org/abs/2510.14009),
          "Noise-Adaptive Layerwise Learning Rates: Accelerating
          Geometry-Aware Optimization for Deep Neural Network Training".
    """

    own_arguments = ("beta_1", "beta_2", "epsilon")
    example_optimizer = "Muon"

    def __init__(self, optimizer, beta_1=0.9, beta_2=0.99, epsilon=1e-12,
                 name="noise_adaptive_layerwise_lr", **kwargs):
        super().__init__(optimizer, name=name, **kwargs)
        if not isinstance(self.optimizer, keras.optimizers.Muon):
            raise TypeError(
                "Argument `optimizer` must be a keras.optimizers.Muon: the "
                "noise is measured in the dual norm of Muon's spectral-norm "
                "LMO. Received: optimizer="
                f"{type(self.optimizer).__name__}")
        self.beta_1 = validation.check_in_range(
            "beta_1", beta_1, low=0, high=1, high_inclusive=False)
        self.beta_2 = validation.check_in_range(
            "beta_2", beta_2, low=0, high=1, high_inclusive=False)
        self.epsilon = validation.check_positive("epsilon", epsilon)

    def _steps_spectral(self, variable):
        """Whether Keras's Muon takes its orthogonalized (spectral LMO)
        step on `variable`."""
        return not keras_internals.muon_steps_with_adamw(self.optimizer,
                                                         variable)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._spectral = [self._steps_spectral(v) for v in var_list]
        spectral = [v for v, s in zip(var_list, self._spectral) if s]
        self.gradient_averages = [
            self.add_variable_from_reference(v, "gradient_average")
            for v in spectral]
        self.noise_estimates = [
            self.add_variable((), initializer="zeros", dtype="float32",
                              name="noise_estimate")
            for _ in spectral]
        self._noise_steps = self.add_variable(
            (), initializer="zeros", dtype="int32", name="noise_steps")

    def _layer_step(self, grads, averages, estimates, steps):
        """The new averages and noise estimates of the spectral variables,
        and their multipliers (`None` where a variable got no gradient)."""
        first_step = ops.equal(steps, 0)
        spectral_grads = [g for g, spectral in zip(grads, self._spectral)
                          if spectral]
        new_averages, new_estimates = list(averages), list(estimates)
        stepped = []
        for slot, gradient in enumerate(spectral_grads):
            if gradient is None:
                continue
            new_averages[slot], new_estimates[slot] = update_noise_estimate(
                gradient, averages[slot], estimates[slot], first_step,
                self._dual_norm, self.beta_1, self.beta_2)
            stepped.append(slot)
        multipliers = [None] * len(new_estimates)
        if stepped:
            group = noise_adaptive_multipliers(
                ops.stack([new_estimates[s] for s in stepped]), self.epsilon)
            for position, slot in enumerate(stepped):
                multipliers[slot] = group[position]
        return new_averages, new_estimates, multipliers

    def _dual_norm(self, gradient):
        return muon_dual_norm(gradient, self.optimizer.rms_rate)

    def _scale_steps(self, befores, afters, multipliers):
        """Each spectral variable moves `multiplier` times the inner step."""
        scaled = list(afters)
        slot = 0
        for index, spectral in enumerate(self._spectral):
            if not spectral:
                continue
            multiplier = multipliers[slot]
            slot += 1
            if multiplier is None:
                continue
            before = ops.convert_to_tensor(befores[index])
            after = ops.convert_to_tensor(afters[index])
            multiplier = ops.cast(multiplier, after.dtype)
            scaled[index] = before + multiplier * (after - before)
        return scaled

    def apply(self, grads, trainable_variables=None):
        variables = self._build_for(trainable_variables)
        grads = list(grads)
        averages, estimates, multipliers = self._layer_step(
            grads, self.gradient_averages,
            self.noise_estimates, self._noise_steps)
        for variable, value in zip(self.gradient_averages, averages):
            variable.assign(value)
        for variable, value in zip(self.noise_estimates, estimates):
            variable.assign(value)
        self._noise_steps.assign_add(ops.ones((), "int32"))
        # Copies: on TensorFlow and torch a converted variable can alias it,
        # and the inner step below writes it in place.
        befores = [ops.copy(variable) for variable in variables]
        self.optimizer.apply(grads, trainable_variables)
        scaled = self._scale_steps(befores, variables, multipliers)
        for index, spectral in enumerate(self._spectral):
            if spectral:
                variables[index].assign(scaled[index])

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        own_variables = self.own_variables
        own_count = len(own_variables)
        own_values = [ops.convert_to_tensor(value)
                      for value in optimizer_variables[:own_count]]

        def positions(variables):
            return [variable_position(own_variables, v) for v in variables]

        average_positions = positions(self.gradient_averages)
        estimate_positions = positions(self.noise_estimates)
        steps_position = variable_position(own_variables, self._noise_steps)
        grads = list(grads)
        averages, estimates, multipliers = self._layer_step(
            grads, [own_values[p] for p in average_positions],
            [own_values[p] for p in estimate_positions],
            own_values[steps_position])
        for position, value in zip(average_positions, averages):
            own_values[position] = ops.convert_to_tensor(value)
        for position, value in zip(estimate_positions, estimates):
            own_values[position] = ops.convert_to_tensor(value)
        own_values[steps_position] = own_values[steps_position] + 1
        # Copies: an inner step may write its inputs in place.
        befores = [ops.copy(value) for value in trainable_variables]
        new_trainable, new_inner = self.optimizer.stateless_apply(
            [ops.copy(value) for value in optimizer_variables[own_count:]],
            grads, [ops.copy(value) for value in trainable_variables])
        new_trainable = self._scale_steps(befores, list(new_trainable),
                                          multipliers)
        # Values, not `keras.Variable`s: `LossScaleOptimizer` (mixed
        # precision) calls this inside `ops.cond`, whose branches must
        # return arrays.
        new_inner = [ops.convert_to_tensor(value) for value in new_inner]
        new_trainable = [ops.convert_to_tensor(v) for v in new_trainable]
        return new_trainable, own_values + new_inner

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
