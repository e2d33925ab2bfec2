import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.weight_pruning import PRUNING_REGIMES
from kerastricks.ops.weight_pruning import classify_pruning_regime
from kerastricks.ops.weight_pruning import linear_cka
from kerastricks.ops.weight_pruning import mode_connectivity
from kerastricks.utils import _interpolation
from kerastricks.utils import validation

# Figure 1 of the paper: the favourable moves for a fixed load.
_ADVICE = {
    "I": "increase the temperature (e.g. train the dense model longer, "
    "with a larger learning rate or smaller batches)",
    "II-A": "decrease the temperature",
    "II-B": "keep the temperature",
}


@kerastricks_export("kerastricks.utils.three_regime_pruning")
def three_regime_pruning(
    model,
    weight_pairs,
    data,
    barrier_threshold,
    similarity_threshold,
    num_points=11,
    batch_size=None,
):
    """Places pruned networks on the three-regime map of load and temperature.

    "A Three-regime Model of Network Pruning" varies a temperature-like
    knob of the dense network's training (epochs, batch size, SAM's rho)
    and a load-like one of the pruned network (its density). For each cell
    it retrains two pruned networks (e.g. two seeds) and reads the global
    structure of their loss landscape: if the loss rises on the path between
    them (a barrier) the cell is Regime I (poorly connected; raising the
    temperature helps pruning); otherwise the similarity of their outputs
    splits Regime II-A (dissimilar; lowering the temperature helps) from
    II-B (similar; the best pruning); each cell says which way to move the
    temperature. The barrier is measured on the
    straight line (`interpolation_barrier`) and the similarity is the linear
    CKA of the two networks' outputs on `data`.

    ```python
    for (temperature, load), (weights_a, weights_b) in weight_pairs:
        losses = loss along (1 - alpha) * weights_a + alpha * weights_b
        barrier = max(losses - chord); mc = mode_connectivity(losses)
        similarity = linear_cka(model_a(x), model_b(x))
        regime = "I" if barrier > barrier_threshold else
                 ("II-B" if similarity >= similarity_threshold else "II-A")
    ```

    Args:
        model: a compiled `keras.Model` of the pruned architecture (its
            weights are restored afterwards).
        weight_pairs: dict from a `(temperature, load)` key to a pair
            `(weights_a, weights_b)` of `model.get_weights()` lists: two
            pruned networks of that cell.
        data: `(x, y)` where losses and outputs are evaluated.
        barrier_threshold: float, the barrier above which a cell is poorly
            connected. The paper's value could not be verified; choose it
            from the spread of barriers on your grid (e.g. a small fraction
            of the endpoint loss).
        similarity_threshold: float in [0, 1], the CKA from which a
            connected cell counts as similar (II-B). The paper's value
            could not be verified either.
        num_points: int >= 2, points on each path. Defaults to `11`.
        batch_size: positive int or `None`. Defaults to `None`.

    Returns:
        A dict from each key of `weight_pairs` to a dict with `"barrier"`,
        `"mode_connectivity"`, `"similarity"`, `"regime"` (`"I"`, `"II-A"`
        or `"II-B"`) and `"advice"` (which way to move the temperature).

    Example:

    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> model.compile(loss="mse")
    >>> x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    >>> y = np.zeros((8, 2), "float32")
    >>> weights = model.get_weights()
    >>> cells = kerastricks.utils.three_regime_pruning(
    ...     model, {(1, 0.5): (weights, weights)}, (x, y),
    ...     barrier_threshold=0.01, similarity_threshold=0.9, num_points=3)
    >>> cells[(1, 0.5)]["regime"]
    'II-B'

    References:
        - [Zhou et al., 2023](https://arxiv.org/abs/2305.18383), "A
          Three-regime Model of Network Pruning", ICML 2023.
        - [Yang et al., 2021](https://arxiv.org/abs/2107.11228),
          "Taxonomizing local versus global structure in neural network
          loss landscapes", NeurIPS 2021.
    """
    x, y = _interpolation.check_evaluation(model, data)
    if not isinstance(weight_pairs, dict) or not weight_pairs:
        raise ValueError(
            "Argument `weight_pairs` must be a non-empty dict from "
            "(temperature, load) to (weights_a, weights_b). Received: "
            f"weight_pairs of type {type(weight_pairs).__name__}"
        )
    validation.check_number("barrier_threshold", barrier_threshold)
    validation.check_in_range(
        "similarity_threshold", similarity_threshold, 0.0, 1.0
    )
    num_points = _interpolation.check_path_sampling(num_points, batch_size)
    original = model.get_weights()
    cells = {}
    try:
        for key, pair in weight_pairs.items():
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    "Each value of `weight_pairs` must be a pair "
                    f"(weights_a, weights_b). Received: {key!r} -> a "
                    f"{type(pair).__name__}"
                )
            weights_a, weights_b = _interpolation.check_weight_lists(
                model, *pair
            )
            curve = _interpolation.barrier_along_line(
                model, weights_a, weights_b, x, y, num_points, batch_size
            )
            model.set_weights(weights_a)
            outputs_a = model.predict(x, batch_size=batch_size, verbose=0)
            model.set_weights(weights_b)
            outputs_b = model.predict(x, batch_size=batch_size, verbose=0)
            similarity = float(
                ops.convert_to_numpy(linear_cka(outputs_a, outputs_b))
            )
            regime = PRUNING_REGIMES[
                int(
                    ops.convert_to_numpy(
                        classify_pruning_regime(
                            curve["barrier"],
                            similarity,
                            barrier_threshold,
                            similarity_threshold,
                        )
                    )
                )
            ]
            cells[key] = {
                "barrier": curve["barrier"],
                "mode_connectivity": float(
                    ops.convert_to_numpy(
                        mode_connectivity(np.asarray(curve["losses"]))
                    )
                ),
                "similarity": similarity,
                "regime": regime,
                "advice": _ADVICE[regime],
            }
    finally:
        model.set_weights(original)
    return cells
