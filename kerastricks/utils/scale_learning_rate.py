import math

import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation

# Optimizers whose per-coordinate step is normalized by gradient statistics.
_ADAPTIVE = (
    "Adam", "AdamW", "Adamax", "Nadam", "Adagrad", "Adadelta", "RMSprop",
    "Adafactor", "Lamb", "AdamP", "Ftrl",
)
_SGD_LIKE = ("SGD", "SGDP")


def _rule_for(optimizer):
    if isinstance(optimizer, str):
        optimizer = type(keras.optimizers.get(optimizer))
    if not isinstance(optimizer, type):
        inner = getattr(optimizer, "optimizer", None) or getattr(
            optimizer, "inner_optimizer", None
        )
        if inner is not None:  # OrthoGrad, LossScaleOptimizer
            return _rule_for(inner)
        optimizer = type(optimizer)
    for cls in optimizer.__mro__:
        if cls.__name__ in _ADAPTIVE:
            return "sqrt"
        if cls.__name__ in _SGD_LIKE:
            return "linear"
    return None


@kerastricks_export("kerastricks.utils.scale_learning_rate")
def scale_learning_rate(learning_rate, base_batch_size, batch_size,
                        optimizer=None, rule=None):
    """Rescales a learning rate tuned at one batch size to another.

    The random-matrix analysis of "Learning Rates as a Function of Batch
    Size" shows that the largest stable learning rate grows linearly with
    the batch size for SGD (with or without momentum) and with its square
    root for adaptive optimizers such as Adam. Use it to move a tuned
    (learning rate, batch size) pair to a new batch size, e.g. when adding
    accelerators.

    ```python
    ratio = batch_size / base_batch_size
    SGD-like:  learning_rate * ratio
    adaptive:  learning_rate * sqrt(ratio)
    ```

    Args:
        learning_rate: float > 0, the rate tuned at `base_batch_size`.
        base_batch_size: positive int, the batch size it was tuned at.
        batch_size: positive int, the new batch size.
        optimizer: a Keras or kerastricks optimizer instance, class or
            string identifier (`"adam"`), used to pick the rule: linear for
            `SGD`/`SGDP`, square root for the Adam family (`Adam`, `AdamW`,
            `Adamax`, `Nadam`, `AdamP`, `Lamb`, ...) and other adaptive
            optimizers (`RMSprop`, `Adagrad`, `Adadelta`, `Adafactor`);
            wrappers (`OrthoGrad`, `LossScaleOptimizer`) use their inner
            optimizer's rule. Defaults to `None`.
        rule: `"linear"`, `"sqrt"` or `None` (infer from `optimizer`). Needed
            for optimizers the paper does not cover (e.g. `Lion`, `Muon`).
            Defaults to `None`.

    Returns:
        The scaled learning rate, a float.

    Example:

    >>> kerastricks.utils.scale_learning_rate(0.1, 128, 512, optimizer="sgd")
    0.4
    >>> kerastricks.utils.scale_learning_rate(1e-3, 128, 512, "adam")
    0.002

    References:
        - [Granziol et al., 2022](https://arxiv.org/abs/2006.09092),
          "Learning Rates as a Function of Batch Size: A Random Matrix
          Theory Approach to Neural Network Training", JMLR.
    """
    validation.check_positive("learning_rate", learning_rate)
    base_batch_size = validation.check_positive_int("base_batch_size",
                                                    base_batch_size)
    batch_size = validation.check_positive_int("batch_size", batch_size)
    if rule is None:
        if optimizer is None:
            raise ValueError(
                "Pass `optimizer` or `rule` ('linear' or 'sqrt'). "
                "Received: optimizer=None, rule=None"
            )
        rule = _rule_for(optimizer)
        if rule is None:
            raise ValueError(
                "No batch-size rule is known for this optimizer; pass "
                "rule='linear' or rule='sqrt'. Known SGD-like: "
                f"{list(_SGD_LIKE)}; adaptive: {list(_ADAPTIVE)}. "
                f"Received: optimizer={optimizer!r}"
            )
    validation.check_one_of("rule", rule, ("linear", "sqrt"))
    ratio = batch_size / base_batch_size
    factor = ratio if rule == "linear" else math.sqrt(ratio)
    return float(learning_rate) * factor
