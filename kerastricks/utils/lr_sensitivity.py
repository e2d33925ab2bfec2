import math
import numbers

import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation


@kerastricks_export("kerastricks.utils.lr_sensitivity")
def lr_sensitivity(final_losses, initial_loss):
    """The LR sensitivity of a final-loss-vs-learning-rate curve.

    "Small-scale proxies for large-scale Transformer training
    instabilities" summarizes how much a training recipe depends on its
    learning rate by one number: the mean, over learning rates swept on a
    log grid across orders of magnitude, of how far each run's final loss
    is from the best one, where a run that ends above the loss at
    initialization (or diverges) counts as that initial loss. Lower is
    more robust; qk-layernorm, the z-loss, warm-up, independent weight
    decay and µParam each lower it.

    ```python
    capped = [l0 if not isfinite(l) else min(l, l0) for l in final_losses]
    lr_sensitivity = mean(capped) - min(capped)
    ```

    `min(capped)` is the paper's best loss `min_eta l(eta)` whenever a run
    ends at or below `l0`; when none does, every capped loss is `l0` and
    the sensitivity is 0.

    Args:
        final_losses: sequence of numbers, the final loss of each run of
            the sweep (`nan` or `inf` for a run that diverged).
        initial_loss: finite number, `l0`, the loss at initialization
            (e.g. `log(vocabulary size)` for a language model).

    Returns:
        A Python float.

    Example:

    >>> kerastricks.utils.lr_sensitivity([2.0, 3.0, float("nan")], 5.0)
    1.333...

    References:
        - [Wortsman et al., 2023](https://arxiv.org/abs/2309.14322),
          "Small-scale proxies for large-scale Transformer training
          instabilities", ICLR 2024, Section 2.2 (LR sensitivity).
    """
    if isinstance(final_losses, (str, bytes)) or not hasattr(
            final_losses, "__len__") or len(final_losses) == 0:
        raise ValueError(
            "Argument `final_losses` must be a non-empty sequence of "
            f"numbers. Received: final_losses={final_losses!r}"
        )
    for loss in final_losses:
        if loss is None:
            continue  # a diverged run stored as JSON null
        if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
            raise TypeError(
                "Argument `final_losses` must hold numbers (nan or None "
                f"for a diverged run). Received: final_losses="
                f"{final_losses!r}"
            )
    validation.check_number("initial_loss", initial_loss)
    capped = np.array([
        initial_loss if loss is None or not math.isfinite(loss)
        else min(float(loss), initial_loss)
        for loss in final_losses
    ])
    return float(np.mean(capped) - np.min(capped))
