
import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation


@kerastricks_export("kerastricks.utils.select_kept_indices")
def select_kept_indices(scores, keep_fraction, keep="hard", abundant=None):
    """Indices of the examples to keep after pruning by a difficulty score.

    The data-pruning paper's rule: when data is abundant, keep the *hard*
    examples (highest scores) and drop the easy ones; when data is scarce,
    keep the *easy* ones, since the model cannot yet learn from hard ones.
    Scores come from `kerastricks.callbacks.DataPruningScores` (EL2N) or
    `kerastricks.utils.prototype_scores`.

    ```python
    n_keep = round(keep_fraction * len(scores))
    keep="hard": the n_keep highest scores; keep="easy": the lowest
    keep="auto": "hard" if abundant else "easy"
    ```

    Args:
        scores: 1-D array, higher = harder.
        keep_fraction: float in (0, 1], the fraction to keep.
        keep: `"hard"`, `"easy"` or `"auto"`. Defaults to `"hard"`.
        abundant: bool, needed with `keep="auto"`: whether the full dataset
            is large relative to the model (the paper's regime where
            keeping hard examples wins). Defaults to `None`.

    Returns:
        A sorted NumPy array of kept indices.

    Example:

    >>> kerastricks.utils.select_kept_indices([0.1, 0.9, 0.5, 0.3], 0.5)
    array([1, 2])

    References:
        - [Sorscher et al., 2022](https://arxiv.org/abs/2206.14486), "Beyond
          neural scaling laws: beating power law scaling via data pruning".
    """
    scores = np.asarray(scores, dtype="float64")
    if scores.ndim != 1 or scores.size == 0:
        raise ValueError(
            "Argument `scores` must be a non-empty 1-D array. "
            f"Received: shape {scores.shape}"
        )
    validation.check_in_range("keep_fraction", keep_fraction, 0, 1,
                              low_inclusive=False)
    validation.check_one_of("keep", keep, ("hard", "easy", "auto"))
    if keep == "auto":
        if abundant is None:
            raise ValueError(
                "keep='auto' needs `abundant` (True: keep hard examples, "
                "False: keep easy ones). Received: abundant=None"
            )
        keep = "hard" if validation.check_bool("abundant", abundant) else (
            "easy")
    count = max(1, round(keep_fraction * scores.size))
    order = np.argsort(scores, kind="stable")
    chosen = order[-count:] if keep == "hard" else order[:count]
    return np.sort(chosen)
