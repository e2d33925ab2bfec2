import keras
import numpy as np
from keras import ops

from kerastricks import backend
from kerastricks.api_export import kerastricks_export
from kerastricks.ops.fisher_merge import class_probabilities
from kerastricks.ops.fisher_merge import negative_log_likelihood
from kerastricks.utils import validation

LABELS = ("expected", "sampled", "empirical")


def _check_variables(model, variables):
    if variables is None:
        return list(model.trainable_variables)
    if not isinstance(variables, (list, tuple)):
        raise TypeError(
            "Argument `variables` must be a list of trainable variables of "
            f"`model`, or None. Received: variables={variables!r} of type "
            f"{type(variables).__name__}"
        )
    trainable = {id(v) for v in model.trainable_variables}
    variables = list(variables)
    for variable in variables:
        if not isinstance(variable, keras.Variable):
            raise TypeError(
                "Argument `variables` must hold keras.Variable objects. "
                f"Received: an element {variable!r} of type "
                f"{type(variable).__name__}"
            )
        if id(variable) not in trainable:
            raise ValueError(
                "Argument `variables` must hold trainable variables of "
                f"`model`. Received: variable {variable.path!r}, which is "
                f"not one of the trainable variables of {model.name!r}"
            )
    if not variables:
        raise ValueError("Argument `variables` must not be empty. "
                         "Received: variables=[]")
    return variables


@kerastricks_export("kerastricks.utils.diagonal_fisher")
def diagonal_fisher(model, x, y=None, labels="expected", num_examples=4096,
                    batch_size=32, from_logits=True, variables=None,
                    seed=None):
    """Estimates the diagonal Fisher information of a classifier's weights.

    The Fisher information F = E_x E_{y ~ p(y|x)} [(d log p(y|x) / d theta)^2]
    (its diagonal) measures how much each weight matters to the model's
    predictive distribution. "Merging Models with Fisher-Weighted Averaging"
    uses it as the precision of a Laplace approximation of each model's
    posterior, to weight a parameter average
    (`kerastricks.utils.fisher_merge`). It is estimated from squared
    per-example gradients of the log-likelihood at the model's current
    weights, in inference mode.

    ```python
    for each of the first num_examples inputs x_n:
        p = softmax(model(x_n))                     # or sigmoid, one output
        "expected":  F += sum_c p_c * grad(log p_c)^2  # exact over classes
        "sampled":   F += grad(log p_y)^2,  y ~ p      # one sample
        "empirical": F += grad(log p_{y_n})^2          # the given label
    F /= num_examples
    ```

    Args:
        model: a built `keras.Model` with outputs `(batch, classes)` (a
            softmax classifier) or `(batch, 1)` (a sigmoid classifier).
        x: NumPy array of inputs (typically training examples).
        y: integer labels, only for `labels="empirical"`. Defaults to `None`.
        labels: `"expected"` (the exact expectation over the model's
            predictive distribution, as the authors' code computes it; one
            gradient pass per class), `"sampled"` (one label per example
            drawn from the model, an unbiased estimate for many classes) or
            `"empirical"` (the given labels `y`: the "empirical Fisher").
            Defaults to `"expected"`.
        num_examples: positive int or `None`, use the first this many
            examples (all when `None` or fewer are given). Defaults to
            `4096`, the authors' setting.
        batch_size: positive int, examples per gradient pass. Defaults to
            `32`.
        from_logits: bool, the model outputs logits. Defaults to `True`.
        variables: list of trainable variables of `model` to compute the
            Fisher for (e.g. a shared body's, to merge only that), or `None`
            for all of `model.trainable_variables`. Defaults to `None`.
        seed: int or `None`, seeds `labels="sampled"`. Defaults to `None`.

    Returns:
        A list of float32 NumPy arrays, one per variable, with the variables'
        shapes.

    Example:

    >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    >>> fisher = kerastricks.utils.diagonal_fisher(model, x)
    >>> [f.shape for f in fisher]
    [(3, 2), (2,)]

    References:
        - [Matena & Raffel, 2022](https://arxiv.org/abs/2111.09832), "Merging
          Models with Fisher-Weighted Averaging", NeurIPS 2022.
    """
    validation.check_built_model("model", model)
    validation.check_one_of("labels", labels, LABELS)
    if (y is None) == (labels == "empirical"):
        raise ValueError(
            "Argument `y` is used exactly when labels='empirical'. "
            f"Received: labels={labels!r} and y "
            f"{'missing' if y is None else 'given'}"
        )
    if num_examples is not None:
        validation.check_positive_int("num_examples", num_examples)
    validation.check_positive_int("batch_size", batch_size)
    validation.check_bool("from_logits", from_logits)
    variables = _check_variables(model, variables)
    x = np.asarray(x)[:num_examples]
    count = len(x)
    if count == 0:
        raise ValueError("Argument `x` must hold at least one example. "
                         "Received: 0 examples")
    if y is not None:
        y = np.asarray(y)[:num_examples]
        if len(y) != count:
            raise ValueError(
                "Arguments `x` and `y` must hold the same number of "
                f"examples. Received: {count} inputs and {len(y)} labels"
            )

    outputs = model.predict(x, batch_size=batch_size, verbose=0)
    if outputs.ndim != 2:
        raise ValueError(
            "Argument `model` must output (batch, classes) or (batch, 1). "
            f"Received: outputs of shape {outputs.shape}"
        )
    probabilities = ops.convert_to_numpy(
        class_probabilities(outputs, from_logits)
    )
    num_classes = probabilities.shape[1]
    if labels == "sampled":
        y = ops.convert_to_numpy(keras.random.categorical(
            ops.log(ops.maximum(probabilities, 1e-30)), 1,
            seed=keras.random.SeedGenerator(seed),
        ))[:, 0]

    def loss_fn(labels_batch, outputs_batch):
        return negative_log_likelihood(labels_batch, outputs_batch,
                                       from_logits)

    gradients = backend.get().compile_per_example_gradients(
        model, loss_fn, variables
    )
    totals = [np.zeros(v.shape, "float64") for v in variables]
    for start in range(0, count, batch_size):
        rows = np.arange(start, start + batch_size)
        # The last batch is padded with weight-0 rows so every pass has the
        # same static shape.
        valid = (rows < count).astype("float32")
        rows = np.minimum(rows, count - 1)
        if labels == "expected":
            passes = [
                (np.full(batch_size, c), probabilities[rows, c] * valid)
                for c in range(num_classes)
            ]
        else:
            passes = [(y[rows], valid)]
        for batch_labels, weight in passes:
            per_example = gradients(x[rows], batch_labels.astype("int32"))
            for total, g in zip(totals, per_example):
                squares = ops.reshape(ops.square(g), (batch_size, -1))
                total += ops.convert_to_numpy(
                    ops.matmul(ops.convert_to_tensor(weight)[None], squares)
                ).reshape(total.shape)
    return [(total / count).astype("float32") for total in totals]
