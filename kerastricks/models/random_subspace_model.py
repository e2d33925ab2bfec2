import math
import numbers
import random

import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.models import model_wrapper
from kerastricks.ops import random_subspace

PROJECTIONS = ("dense", "sparse", "fastfood")
# numpy's seeds are unsigned 32-bit integers.
_SEED_LIMIT = 2**32


def projection_arrays(projection, num_parameters, dimension, seed):
    """The NumPy arrays that define the `(D, d)` projection P, drawn from
    `numpy.random.default_rng(seed)` (so equal on every backend).

    - `"dense"`: `{"projection": (D, d)}`, standard normal entries, each
      column divided by its norm.
    - `"sparse"`: `{"rows", "columns", "values"}`, the very sparse random
      projection (Li, Hastie and Church, 2006) the authors draw through
      scikit-learn: each entry is non-zero with probability `1 / sqrt(D)`
      (at least one per column), with a random sign, and each column is
      scaled to unit length.
    - `"fastfood"`: `{"signs", "permutation", "gaussian"}` of length
      `L = 2**ceil(log2 D)`: B, Π and G of `kerastricks.ops.
      fastfood_projection`.
    """
    rng = np.random.default_rng(seed)
    if projection == "dense":
        matrix = rng.standard_normal((num_parameters, dimension))
        matrix /= np.linalg.norm(matrix, axis=0, keepdims=True)
        return {"projection": matrix.astype("float32")}
    if projection == "sparse":
        density = 1.0 / math.sqrt(num_parameters)
        rows, columns, values = [], [], []
        for column in range(dimension):
            count = max(1, rng.binomial(num_parameters, density))
            rows.append(rng.choice(num_parameters, count, replace=False))
            columns.append(np.full(count, column))
            signs = rng.integers(0, 2, size=count) * 2.0 - 1.0
            values.append(signs / math.sqrt(count))
        return {
            "rows": np.concatenate(rows).astype("int32"),
            "columns": np.concatenate(columns).astype("int32"),
            "values": np.concatenate(values).astype("float32"),
        }
    length = 1 << max(0, (num_parameters - 1).bit_length())
    return {
        "signs": (rng.integers(0, 2, size=length) * 2.0 - 1.0).astype(
            "float32"),
        "permutation": rng.permutation(length).astype("int32"),
        "gaussian": rng.standard_normal(length).astype("float32"),
    }


def _constant(array):
    def initializer(shape, dtype=None):
        return ops.convert_to_tensor(array, dtype=dtype)

    return initializer


@kerastricks_export("kerastricks.models.RandomSubspaceModel")
class RandomSubspaceModel(model_wrapper.ModelWrapper):
    """Trains a model in a random d-dimensional subspace of its weights.

    The wrapped model's trainable weights, flattened into one vector θ of
    D numbers, are frozen at their initial values θ₀; the only trainable
    variable is a vector θ_d of `dimension` numbers (zeros at first), and
    every forward pass uses the weights θ₀ + P θ_d for a fixed random
    `(D, d)` projection P whose columns have unit length. Growing d until
    training reaches (say) 90% of the full model's accuracy measures the
    *intrinsic dimension* of the task: how many degrees of freedom a
    solution needs (`kerastricks.utils.intrinsic_dimension_search`). It is
    also a compressed model: θ₀ and P come from seeds, so the trained
    model is described by d numbers.

    ```python
    theta = theta_0 + P @ theta_d      # theta_0 frozen, theta_d trainable
    # "dense":    P ~ N(0, 1), each column / its norm
    # "sparse":   P[i, j] = ±1 with probability 1 / sqrt(D), columns
    #             scaled to unit length
    # "fastfood": P = (H G Π H B)[:D, :d] / (sqrt(D) ||G||)   (H: Walsh-
    #             Hadamard, G: normal, Π: permutation, B: signs)
    y = inner(x, weights=theta)
    ```

    The dense projection stores P (D·d floats) and costs D·d per step;
    the sparse one stores about d·sqrt(D) entries; Fastfood stores three
    vectors of length `L = 2**ceil(log2 D)` and costs O(L log L), the
    choice for large models. P is drawn with NumPy from `seed` when the
    wrapper is made, so it is the same on every backend and after a
    `.keras` round trip. Non-trainable state of the wrapped model
    (BatchNorm statistics, seed generators) updates as usual. The wrapped
    model's trainable variables are marked non-trainable: they hold θ₀.
    Weight regularizers of the wrapped model see θ₀, a constant; put
    weight decay on θ_d through the optimizer instead.

    Args:
        model: a built `keras.Model` (its weights are θ₀).
        dimension: int >= 1, d, at most the number D of trainable weights.
        projection: `"dense"`, `"sparse"` or `"fastfood"`. Defaults to
            `"fastfood"`.
        seed: int in [0, 2**32), the seed of P. Defaults to `None`: one is
            drawn (from Python's `random` state) and kept in the config.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
    ...                         keras.layers.Dense(3)])
    >>> model = kerastricks.models.RandomSubspaceModel(
    ...     net, dimension=5, projection="fastfood", seed=1)
    >>> [tuple(v.shape) for v in model.trainable_variables]
    [(5,)]
    >>> model.compile(optimizer="adam", loss=keras.losses.
    ...               SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 4), np.arange(8) % 3
    >>> history = model.fit(x, y, epochs=1, verbose=0)

    References:
        - [Li et al., 2018](https://arxiv.org/abs/1804.08838), "Measuring
          the Intrinsic Dimension of Objective Landscapes".
    """

    def __init__(self, model, dimension, projection="fastfood", seed=None,
                 **kwargs):
        super().__init__(model, **kwargs)
        if not model.built or not model.trainable_variables:
            raise ValueError(
                "Argument `model` must be a built model with trainable "
                "weights (call it once, or give it a `keras.Input`). "
                f"Received: model={model.name!r} with built={model.built} "
                f"and {len(model.trainable_variables)} trainable variables")
        if projection not in PROJECTIONS:
            raise ValueError(
                f"Argument `projection` must be one of {list(PROJECTIONS)}. "
                f"Received: projection={projection!r}")
        if seed is None:
            seed = random.randrange(_SEED_LIMIT)
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) \
                or not 0 <= seed < _SEED_LIMIT:
            raise ValueError(
                "Argument `seed` must be an int in [0, 2**32) or None. "
                f"Received: seed={seed!r}")
        self.subspace_variables = list(model.trainable_variables)
        num_parameters = sum(
            math.prod(variable.shape) for variable in self.subspace_variables)
        if isinstance(dimension, bool) or not isinstance(
                dimension, numbers.Integral) or not (
                1 <= dimension <= num_parameters):
            raise ValueError(
                "Argument `dimension` must be an int in [1, D], D = "
                f"{num_parameters} trainable weights of the model. "
                f"Received: dimension={dimension!r}")
        self.dimension = int(dimension)
        self.projection = projection
        self.seed = int(seed)
        self.num_parameters = num_parameters
        for variable in self.subspace_variables:
            variable.trainable = False
        self.theta = self.add_weight(
            shape=(self.dimension,), initializer="zeros", name="theta")
        self.projection_weights = {
            name: self.add_weight(
                shape=array.shape, dtype=str(array.dtype),
                initializer=_constant(array), trainable=False,
                autocast=False, name=f"projection_{name}")
            for name, array in projection_arrays(
                projection, num_parameters, self.dimension,
                self.seed).items()
        }

    def weight_offset(self, theta=None):
        """P θ_d, the `(D,)` offset of the flattened weights from θ₀."""
        theta = self.theta if theta is None else theta
        theta = ops.cast(theta, "float32")
        arrays = self.projection_weights
        if self.projection == "dense":
            return random_subspace.dense_projection(
                theta, arrays["projection"])
        if self.projection == "sparse":
            return random_subspace.sparse_projection(
                theta, arrays["rows"], arrays["columns"], arrays["values"],
                self.num_parameters)
        return random_subspace.fastfood_projection(
            theta, arrays["signs"], arrays["permutation"],
            arrays["gaussian"], self.num_parameters)

    def subspace_weights(self):
        """The weights θ₀ + P θ_d, one tensor per variable of
        `subspace_variables` (the wrapped model's trainable ones)."""
        offset = self.weight_offset()
        weights, start = [], 0
        for variable in self.subspace_variables:
            size = math.prod(variable.shape)
            piece = ops.reshape(offset[start:start + size], variable.shape)
            weights.append(ops.cast(variable.value, "float32") + piece)
            start += size
        return weights

    def call(self, inputs, training=None):
        # The wrapped model runs with its subspace variables mapped to
        # θ₀ + P θ_d; the values of all its other variables are read here,
        # through any enclosing stateless scope (JAX's trainer), and their
        # updates (BatchNorm statistics) are written back afterwards.
        mapping = list(zip(self.subspace_variables, self.subspace_weights()))
        mapped = {id(variable) for variable in self.subspace_variables}
        mapping += [(variable, variable.value)
                    for variable in self.inner.variables
                    if id(variable) not in mapped]
        with keras.StatelessScope(state_mapping=mapping) as scope:
            outputs = self.inner(
                model_wrapper.model_inputs(inputs), training=training)
        for variable, value in mapping[len(self.subspace_variables):]:
            updated = scope.get_current_value(variable)
            # Symbolic calls (building a functional model) update nothing.
            if updated is not value and not isinstance(
                    updated, keras.KerasTensor):
                variable.assign(updated)
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "dimension": self.dimension,
                "projection": self.projection,
                "seed": self.seed,
            }
        )
        return config
