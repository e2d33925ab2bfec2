"""Adversarial examples in the L-infinity ball: FGSM and PGD.

FGSM ("Explaining and Harnessing Adversarial Examples", arXiv 1412.6572)
takes one step of size epsilon along the sign of the input gradient; PGD
("Towards Deep Learning Models Resistant to Adversarial Attacks", arXiv
1706.06083) iterates signed steps of `step_size` from a random start in the
ball, projecting back onto the ball (and the valid input range) after each.
The input gradient comes from the backend need
`kerastricks.backend.get().loss_and_input_gradients`, so both run inside a
compiled training step.
"""

import keras
from keras import ops

from kerastricks import backend
from kerastricks.utils import validation

ATTACKS = ("fgsm", "pgd")


def check_input_range(input_range):
    """`None` or a pair `(low, high)` of numbers with `low < high`;
    returns it as a tuple of floats."""
    if input_range is None:
        return None
    if not isinstance(input_range, (list, tuple)) or len(input_range) != 2:
        raise TypeError(
            "Argument `input_range` must be None or a pair (low, high). "
            f"Received: input_range={input_range!r}"
        )
    low, high = (
        float(validation.check_number("input_range", value))
        for value in input_range
    )
    if not low < high:
        raise ValueError(
            "Argument `input_range` must satisfy low < high. Received: "
            f"input_range={input_range!r}"
        )
    return (low, high)


def project_linf(x_adv, x, epsilon, input_range=None):
    """Projects `x_adv` onto the L-infinity ball of radius `epsilon` around
    `x`, then clips to `input_range` (low, high) when given."""
    x_adv = ops.clip(x_adv, x - epsilon, x + epsilon)
    if input_range is not None:
        x_adv = ops.clip(x_adv, input_range[0], input_range[1])
    return x_adv


def fgsm_step(x, gradient, step_size):
    """`x + step_size * sign(gradient)`: one signed ascent step."""
    return x + ops.cast(step_size, x.dtype) * ops.sign(gradient)


def adversarial_examples(
    loss_fn, x, attack="pgd", epsilon=8 / 255, step_size=2 / 255, steps=7,
    random_start=True, input_range=None, seed=None,
):
    """Returns `x_adv`, inputs in the L-infinity ball of radius `epsilon`
    around `x` that increase `loss_fn(x_adv)` (a scalar function).

    ```python
    fgsm: x_adv = clip(x + epsilon * sign(grad_x loss(x)))
    pgd:  x_0 = x + uniform(-epsilon, epsilon)    (random_start)
          x_{t+1} = project(x_t + step_size * sign(grad_x loss(x_t)))
    ```

    `attack="fgsm"` ignores `step_size`, `steps` and `random_start`
    (Goodfellow et al. take one step of size epsilon from `x`). The result
    is a constant for later gradients (the attack is not differentiated
    through). `seed` is what `keras.random.uniform` takes: an int, a
    `keras.random.SeedGenerator` or None.
    """
    validation.check_one_of("attack", attack, ATTACKS)
    validation.check_non_negative("epsilon", epsilon)
    input_range = check_input_range(input_range)
    x = ops.convert_to_tensor(x)
    gradient_of = backend.get().loss_and_input_gradients
    if attack == "fgsm":
        _, gradient = gradient_of(loss_fn, x)
        return ops.stop_gradient(
            project_linf(fgsm_step(x, gradient, epsilon), x, epsilon,
                         input_range)
        )
    validation.check_non_negative("step_size", step_size)
    validation.check_positive_int("steps", steps)
    validation.check_bool("random_start", random_start)
    x_adv = x
    if random_start:
        noise = keras.random.uniform(
            ops.shape(x), minval=-epsilon, maxval=epsilon, dtype=x.dtype,
            seed=seed,
        )
        x_adv = project_linf(x + noise, x, epsilon, input_range)
    # A Python loop: `steps` is static and small (7 to 40 in the paper),
    # and an unrolled loop compiles on every backend.
    for _ in range(steps):
        _, gradient = gradient_of(loss_fn, x_adv)
        x_adv = project_linf(fgsm_step(x_adv, gradient, step_size), x,
                             epsilon, input_range)
    return ops.stop_gradient(x_adv)
