"""µP (maximal update parametrization): the per-variable rules.

Tensor Programs V (Yang et al., 2022, https://arxiv.org/abs/2203.03466)
sorts every weight by which of its dimensions grow with the model width
("infinite" dimensions) and gives each kind its own initialization,
forward multiplier and learning rate, so that every layer's activations
keep changing by O(1) per coordinate in one step, whatever the width.
Widths are measured relative to a base model: at the base width µP and the
standard parametrization coincide. A weight's fan-in is the product of all
its axes but the last, its fan-out the last axis (the layout of
`keras.layers.Dense`, `Embedding`, `Conv*D` and the projection kernels of
`MultiHeadAttention` when the head count is fixed and `key_dim` grows).
"""

import math

from keras import ops

MUP_ROLES = ("finite", "input", "hidden", "output")
MUP_UPDATE_RULES = ("adam", "sgd")


def _check_shapes(shape, base_shape):
    shape, base_shape = tuple(shape), tuple(base_shape)
    if len(shape) != len(base_shape) or any(
        int(size) <= 0 for size in shape + base_shape
    ):
        raise ValueError(
            "Arguments `shape` and `base_shape` must be shapes of the same "
            "rank with positive sizes (a variable and its counterpart in "
            f"the base model). Received: shape={shape}, "
            f"base_shape={base_shape}"
        )
    return shape, base_shape


def mup_role(shape, base_shape):
    """The µP role of a variable and its fan-in and fan-out width ratios.

    ```python
    fan_in_ratio = prod(shape[:-1]) / prod(base_shape[:-1])  # 1 for vectors
    fan_out_ratio = shape[-1] / base_shape[-1]
    role = {both 1: "finite", only fan-out grows: "input",
            both grow: "hidden", only fan-in grows: "output"}
    ```

    A vector (a bias, a normalization scale) that grows with the width is
    an `"input"` variable, as in the paper's table.

    Args:
        shape: tuple of ints, the variable's shape.
        base_shape: tuple of ints, the shape of the same variable in the
            base-width model.

    Returns:
        A tuple `(role, fan_in_ratio, fan_out_ratio)` of a string of
        `MUP_ROLES` and two floats.

    Example:

    >>> kerastricks.ops.mup_role((256, 256), (64, 64))
    ('hidden', 4.0, 4.0)
    """
    shape, base_shape = _check_shapes(shape, base_shape)
    if not shape:
        return "finite", 1.0, 1.0
    fan_out_ratio = shape[-1] / base_shape[-1]
    fan_in_ratio = math.prod(shape[:-1]) / math.prod(base_shape[:-1])
    grows_in, grows_out = fan_in_ratio != 1.0, fan_out_ratio != 1.0
    if grows_in and grows_out:
        role = "hidden"
    elif grows_in:
        role = "output"
    elif grows_out:
        role = "input"
    else:
        role = "finite"
    return role, fan_in_ratio, fan_out_ratio


def mup_learning_rate_multiplier(role, fan_in_ratio, fan_out_ratio,
                                 update_rule="adam"):
    """The factor µP applies to a variable's learning rate.

    Tensor Programs V, Table 3 with the readout multiplied by
    `1 / fan_in_ratio` in the forward pass (`MuReadout`), as in the `mup`
    package:

    ```python
    adam: hidden -> 1 / fan_in_ratio; input, output, finite -> 1
    sgd:  hidden -> fan_out_ratio / fan_in_ratio; input -> fan_out_ratio;
          output -> fan_in_ratio; finite -> 1
    ```

    "adam" covers every optimizer that normalizes the gradient entrywise
    (Adam, AdamW, RMSprop, Adagrad, Lion); "sgd" those whose step is
    proportional to the gradient (SGD with or without momentum).

    Args:
        role: string, one of `"finite"`, `"input"`, `"hidden"`, `"output"`
            (see `mup_role`).
        fan_in_ratio: float > 0, the fan-in over the base model's fan-in.
        fan_out_ratio: float > 0, the fan-out over the base model's.
        update_rule: string, `"adam"` or `"sgd"`. Defaults to `"adam"`.

    Returns:
        A Python float.

    Example:

    >>> kerastricks.ops.mup_learning_rate_multiplier("hidden", 4.0, 4.0)
    0.25
    """
    if role not in MUP_ROLES:
        raise ValueError(
            f"Argument `role` must be one of {MUP_ROLES}. Received: "
            f"role={role!r}"
        )
    if update_rule not in MUP_UPDATE_RULES:
        raise ValueError(
            f"Argument `update_rule` must be one of {MUP_UPDATE_RULES}. "
            f"Received: update_rule={update_rule!r}"
        )
    for name, value in (("fan_in_ratio", fan_in_ratio),
                        ("fan_out_ratio", fan_out_ratio)):
        if isinstance(value, bool) or not (
            isinstance(value, (int, float)) and value > 0
        ):
            raise ValueError(
                f"Argument `{name}` must be a number > 0. Received: "
                f"{name}={value!r}"
            )
    if role == "finite":
        return 1.0
    if update_rule == "adam":
        return 1.0 / fan_in_ratio if role == "hidden" else 1.0
    if role == "hidden":
        return fan_out_ratio / fan_in_ratio
    return float(fan_out_ratio if role == "input" else fan_in_ratio)


def mup_attention_scale(key_dim, base_key_dim):
    """The µP attention-logit scale, `sqrt(base_key_dim) / key_dim`.

    µP scales attention logits by 1/d instead of 1/sqrt(d): after training,
    query and key coordinates are correlated, so their dot product grows
    like d. The factor `sqrt(base_key_dim)` makes the scale equal the
    standard `1 / sqrt(key_dim)` at the base width.

    Args:
        key_dim: int > 0, the size of each attention head.
        base_key_dim: int > 0, the head size of the base model.

    Returns:
        A Python float.

    Example:

    >>> kerastricks.ops.mup_attention_scale(64, 16)
    0.0625
    """
    for name, value in (("key_dim", key_dim), ("base_key_dim", base_key_dim)):
        if isinstance(value, bool) or not (
            isinstance(value, int) and value > 0
        ):
            raise ValueError(
                f"Argument `{name}` must be an int > 0. Received: "
                f"{name}={value!r}"
            )
    return math.sqrt(base_key_dim) / key_dim


def mup_readout(inputs, kernel, width_ratio, output_multiplier=1.0):
    """The µP readout: `output_multiplier * (inputs @ kernel) / width_ratio`.

    Dividing the logits by the width ratio makes the readout's contribution
    to each logit O(1) after training instead of growing with the width.

    Args:
        inputs: tensor of shape `(..., fan_in)`.
        kernel: tensor of shape `(fan_in, units)`.
        width_ratio: float > 0, `fan_in` over the base model's fan-in.
        output_multiplier: float, a width-independent tunable factor.
            Defaults to `1.0`.

    Returns:
        A tensor of shape `(..., units)`.

    Example:

    >>> keras.ops.convert_to_numpy(kerastricks.ops.mup_readout(
    ...     np.ones((1, 4), "float32"), np.ones((4, 2), "float32"), 2.0)
    ... ).tolist()
    [[2.0, 2.0]]
    """
    scale = ops.cast(output_multiplier / width_ratio, kernel.dtype)
    return ops.matmul(ops.cast(inputs, kernel.dtype), kernel) * scale


def scale_update(before, after, multiplier):
    """`before + multiplier * (after - before)`: a step scaled after the fact.

    Multiplying a step by a constant equals multiplying that variable's
    learning rate (and its coupled weight decay) by it, for any optimizer.

    Args:
        before: tensor, the variable before the step.
        after: tensor, the variable after the wrapped optimizer's step.
        multiplier: float, the learning-rate factor.

    Returns:
        A tensor shaped like `before`.

    Example:

    >>> keras.ops.convert_to_numpy(kerastricks.ops.scale_update(
    ...     np.zeros(2, "float32"), np.ones(2, "float32"), 0.5)).tolist()
    [0.5, 0.5]
    """
    before = ops.convert_to_tensor(before)
    after = ops.cast(after, before.dtype)
    return before + ops.cast(multiplier, before.dtype) * (after - before)


def activation_change_rms(before, after):
    """`sqrt(mean((after - before) ** 2))`, the coordinate check's measure.

    Args:
        before: tensor, a layer's activations before training.
        after: tensor of the same shape, after a few steps.

    Returns:
        A scalar tensor.

    Example:

    >>> float(kerastricks.ops.activation_change_rms(np.zeros(4), np.ones(4)))
    1.0
    """
    before = ops.cast(before, "float32")
    after = ops.cast(after, "float32")
    return ops.sqrt(ops.mean(ops.square(after - before)))
