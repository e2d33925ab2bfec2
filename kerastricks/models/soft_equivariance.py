import numbers

from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.models import model_wrapper
from kerastricks.ops import soft_equivariance
from kerastricks.utils import validation


@kerastricks_export("kerastricks.models.SoftEquivariance")
class SoftEquivariance(model_wrapper.ModelWrapper):
    """Trains any model with penalties on its non-equivariance.

    Each penalty measures how far the model is from invariant (or
    equivariant) under one group of transforms. When a symmetry of the
    data is only approximate, an architecture that enforces it exactly
    (group convolutions, pooling over rotations) is too rigid, and a plain
    model ignores it. This wrapper keeps the model as it is and adds, in
    every training step, one equivariance penalty per symmetry type, each
    with its own weight, so that fit finds how much of each symmetry the
    data supports. For images (channels_last) the
    groups are the 8 rotations by 90 degrees and flips ("dihedral"), the 4
    rotations, the axis flips and the cyclic integer translations; 1-D
    signals `(batch, length)` get flips and translations. The penalty runs
    the wrapped model in inference mode on `|G|` transformed copies of the
    batch: one extra forward and backward pass over `|G|` times the batch.

    ```python
    penalty_k = mean_g mean((f(g x) - rho_out(g) f(x)) ** 2)  # g in G_k
    loss = loss(y, f(x)) + sum_k weight_k * penalty_k
    # rho_out(g): identity ("invariant") or g on feature maps
    ```

    A model wrapper and not a `keras.regularizers.Regularizer` or a loss:
    the penalty needs the model applied to transformed inputs, which
    neither a weight regularizer nor a loss (it sees `y_pred` only) can do.
    Evaluation and prediction are the wrapped model's.

    Args:
        model: a `keras.Model` (Sequential, functional or subclassed).
        group: str or list of str, the symmetry types: `"dihedral"`,
            `"rotations"`, `"flips"` or `"translations"`. Defaults to
            `"dihedral"`.
        weight: float >= 0, or a list of one per group, the strength of
            each penalty. Defaults to `1.0`.
        output_action: `"invariant"` (the outputs should not change:
            classifiers) or `"equivariant"` (feature maps of the inputs'
            shape should transform with the inputs). Defaults to
            `"invariant"`.
        max_shift: positive int, the largest shift of `"translations"`.
            Defaults to `1`.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> net = keras.Sequential([
    ...     keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3),
    ...     keras.layers.Flatten(), keras.layers.Dense(3)])
    >>> model = kerastricks.models.SoftEquivariance(
    ...     net, group=["dihedral", "translations"], weight=[1.0, 0.1])
    >>> model.compile(optimizer="sgd", loss=keras.losses.
    ...               SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 8, 8, 1), np.arange(8) % 3
    >>> history = model.fit(x, y, epochs=1, verbose=0)

    References:
        - [Kim et al., 2023](https://arxiv.org/abs/2306.00356),
          "Regularizing Towards Soft Equivariance Under Mixed Symmetries".
    """

    def __init__(self, model, group="dihedral", weight=1.0,
                 output_action="invariant", max_shift=1, **kwargs):
        super().__init__(model, **kwargs)
        groups = [group] if isinstance(group, str) else group
        if not isinstance(groups, (list, tuple)) or not groups:
            raise TypeError(
                "Argument `group` must be a group name or a non-empty list "
                f"of them, of {list(soft_equivariance.GROUPS)}. Received: "
                f"group={group!r} of type {type(group).__name__}")
        for name in groups:
            soft_equivariance.check_group_options(name, max_shift)
        weights = (weight if isinstance(weight, (list, tuple))
                   else [weight] * len(groups))
        if len(weights) != len(groups):
            raise ValueError(
                "Argument `weight` must be one float or one per group. "
                f"Received: weight={weight!r} for group={group!r}")
        for value in weights:
            if not isinstance(value, numbers.Real):
                raise TypeError(
                    "Argument `weight` must be a float >= 0 or a list of "
                    f"them. Received: weight={weight!r}")
            validation.check_non_negative("weight", value)
        validation.check_one_of("output_action", output_action,
                                soft_equivariance.OUTPUT_ACTIONS)
        self.group = group if isinstance(group, str) else list(group)
        self.weight = weight if isinstance(weight, numbers.Real) else list(
            weight)
        self.output_action = output_action
        self.max_shift = max_shift
        self._groups = list(groups)
        self._weights = [float(value) for value in weights]

    def equivariance_penalties(self, x):
        """The unweighted penalty of each group on inputs `x` (a list of
        scalar tensors), with the wrapped model in inference mode."""
        inputs = model_wrapper.model_inputs(x)
        return [
            soft_equivariance.equivariance_penalty(
                lambda views: self.inner(views, training=False), inputs,
                group=name, output_action=self.output_action,
                max_shift=self.max_shift)
            for name in self._groups
        ]

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        loss = super().compute_loss(
            x, y, y_pred, sample_weight=sample_weight, training=training
        )
        if not training:
            return loss
        for weight, penalty in zip(self._weights,
                                   self.equivariance_penalties(x)):
            if weight:
                loss = loss + ops.cast(weight * penalty, loss.dtype)
        return loss

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "group": self.group,
                "weight": self.weight,
                "output_action": self.output_action,
                "max_shift": self.max_shift,
            }
        )
        return config
