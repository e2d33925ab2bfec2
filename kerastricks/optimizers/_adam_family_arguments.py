"""Constructor checks shared by the optimizers: the base arguments that
Keras accepts unchecked (all of them), the moments' decay rates (the Adam
family: `AdamP`, `AdaBelief`, `RAdam`, `Adan`) and the rectification
threshold (`RAdam`, `AdaBelief`)."""

from kerastricks.utils import validation


def check_base_arguments(learning_rate, weight_decay):
    """Checks the arguments that `keras.optimizers.Optimizer` accepts
    unchecked; called before the base constructor."""
    validation.check_learning_rate("learning_rate", learning_rate)
    if weight_decay is not None:
        validation.check_non_negative("weight_decay", weight_decay)


def check_beta(name, value):
    """A moment's decay rate: a number in [0, 1)."""
    return validation.check_in_range(name, value, 0, 1, high_inclusive=False)


def check_rectify_threshold(value):
    """The rho_t threshold of the rectification: a number of at least 4."""
    validation.check_number("rectify_threshold", value)
    if value < 4:
        raise ValueError(
            "Argument `rectify_threshold` must be at least 4 (the "
            "rectifier is undefined below rho_t = 4). Received: "
            f"rectify_threshold={value!r}"
        )
    return value
