import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.models import model_wrapper
from kerastricks.models.model_wrapper import TrajectoryLossWrapper
from kerastricks.utils import validation


def _is_array_data(x):
    """Arrays or tensors (possibly nested), as opposed to a dataset or a
    generator: only those can be indexed by `fit` itself."""
    leaves = keras.tree.flatten(x)
    return bool(leaves) and all(
        len(getattr(leaf, "shape", ())) >= 1 for leaf in leaves
    )


@kerastricks_export("kerastricks.models.SAF")
class SAF(TrajectoryLossWrapper):
    """Sharpness-Aware Training for Free (SAF): SAM's flat minima at no cost.

    SAM needs a second forward/backward pass per step to measure sharpness.
    SAF measures it from the training trajectory instead: a sudden drop of
    the loss into a sharp minimum changes the network's outputs quickly, so
    SAF adds a trajectory loss, the KL divergence between the outputs for
    each training example now and the outputs recorded for the same example
    `lag_epochs` epochs earlier. The step stays one forward and backward
    pass; the price is a memory of past logits on the device,
    `num_examples x (lag_epochs + 1) x classes` float32 values (CIFAR-10
    with the defaults: 50,000 x 4 x 10, 8 MB). Prefer
    `kerastricks.models.MESA` when that does not fit.

    ```python
    loss = compiled_loss(y, logits)
    if start_epoch < epoch < end_epoch and epoch >= lag_epochs:
        past = memory[example_index, (epoch - lag_epochs) % slots]
        loss += trajectory_loss_weight * temperature**2 * KL(
            softmax(past / temperature) || softmax(logits / temperature))
    memory[example_index, epoch % slots] = logits     # every epoch
    ```

    Epochs count from 0 across `fit` calls (`wrapper.epoch`, saved with the
    model) and advance at the end of every `fit` epoch. **Examples need
    ids**: `fit(x, y)` with arrays (or dicts/lists of arrays) numbers them
    itself, so `shuffle=True` is safe; a `tf.data.Dataset`, a generator or
    a `keras.utils.PyDataset` must yield `(SAF.with_example_indices(x,
    indices), y)` with each example's fixed index in `[0, num_examples)`,
    and `num_examples` must then be given. Validation and prediction take
    plain inputs. The inner model must output logits of shape
    `(batch, classes)`.

    Args:
        model: a `keras.Model` whose output is `(batch, classes)` logits.
            A visible softmax or sigmoid output (a `Softmax` layer or
            an output layer with that activation, as in
            `keras.applications` by default) raises a `ValueError`;
            subclassed models are not inspected.
        num_examples: int or `None`, the size of the training set. Inferred
            by `fit` from arrays. Defaults to `None`.
        trajectory_loss_weight: float >= 0, λ, the weight of the trajectory
            loss. Defaults to `0.3`, the authors' SAF value.
        temperature: float > 0, τ. Defaults to `5.0`.
        start_epoch: int >= 0, E_start: the trajectory loss is used in
            epochs after this one (0-based, as the authors' code). Defaults
            to `5`.
        end_epoch: int or `None`, the loss is used before this epoch only.
            Defaults to `None` (until the end).
        lag_epochs: int >= 1, Ẽ: compare with the logits recorded this many
            epochs ago. Defaults to `3`, the authors' code default (their
            ImageNet command uses 2).
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> saf = kerastricks.models.SAF(model, start_epoch=0, lag_epochs=1)
    >>> saf.compile(optimizer="sgd", loss=keras.losses.
    ...             SparseCategoricalCrossentropy(from_logits=True))
    >>> x, y = np.random.rand(8, 4), np.arange(8) % 3
    >>> history = saf.fit(x, y, epochs=3, batch_size=4, verbose=0)
    >>> int(saf.epoch.value), saf.num_examples
    (3, 8)

    References:
        - [Du et al., 2022](https://arxiv.org/abs/2205.14083),
          "Sharpness-Aware Training for Free".
    """

    tracks_epochs = True

    def __init__(
        self,
        model,
        num_examples=None,
        trajectory_loss_weight=0.3,
        temperature=5.0,
        start_epoch=5,
        end_epoch=None,
        lag_epochs=3,
        **kwargs,
    ):
        super().__init__(model, trajectory_loss_weight, temperature,
                         start_epoch, end_epoch, **kwargs)
        validation.check_logit_outputs("model", model, "SAF")
        if num_examples is not None:
            validation.check_positive_int("num_examples", num_examples)
        self.num_examples = num_examples
        self.lag_epochs = validation.check_positive_int(
            "lag_epochs", lag_epochs
        )
        self.num_classes = None
        self.memory = None

    @staticmethod
    def with_example_indices(x, example_index):
        """Packs a batch of inputs with the indices of its examples.

        Datasets and `keras.utils.PyDataset`s yield
        `(SAF.with_example_indices(x, example_index), y)`; each example must
        keep its index (an int in `[0, num_examples)`) across epochs.
        """
        return {
            model_wrapper.INPUTS_KEY: x,
            model_wrapper.EXAMPLE_INDEX_KEY: example_index,
        }

    @property
    def slots(self):
        """Logits kept per example: this epoch's and `lag_epochs` past."""
        return self.lag_epochs + 1

    def build_state(self, output_spec):
        if len(output_spec.shape) != 2 or output_spec.shape[-1] is None:
            raise ValueError(
                "SAF needs a model whose output is logits of shape (batch, "
                f"classes). Received: output of shape {output_spec.shape}"
            )
        self.num_classes = int(output_spec.shape[-1])
        self._build_memory()

    def _build_memory(self):
        if self.memory is not None or self.num_examples is None:
            return
        if self.num_classes is None:
            return
        self.memory = self.add_weight(
            shape=(self.num_examples * self.slots, self.num_classes),
            dtype="float32",
            initializer="zeros",
            trainable=False,
            autocast=False,
            name="logit_memory",
        )

    def prepare_fit(self, arguments):
        x = arguments.get("x")
        if model_wrapper.is_indexed(x) and _is_array_data(x):
            indices = ops.convert_to_numpy(x[model_wrapper.EXAMPLE_INDEX_KEY])
            if self.num_examples is None:
                self.num_examples = int(np.max(indices)) + 1
            if np.min(indices) < 0 or np.max(indices) >= self.num_examples:
                raise ValueError(
                    "SAF's example indices must lie in [0, num_examples). "
                    f"Received: indices in [{np.min(indices)}, "
                    f"{np.max(indices)}] with num_examples="
                    f"{self.num_examples}"
                )
        elif _is_array_data(x):
            num_examples = int(keras.tree.flatten(x)[0].shape[0])
            if self.num_examples is not None and (
                self.num_examples != num_examples
            ):
                raise ValueError(
                    f"SAF remembers the logits of {self.num_examples} "
                    f"examples; `fit` received {num_examples}. Train each "
                    "SAF wrapper on one training set."
                )
            self.num_examples = num_examples
            arguments["x"] = self.with_example_indices(
                x, np.arange(num_examples, dtype="int32")
            )
        elif self.num_examples is None:
            raise ValueError(
                "SAF needs `num_examples` (the size of the training set) to "
                "train on a dataset or generator, which must yield "
                "`(SAF.with_example_indices(x, indices), y)`. Received: "
                f"x of type {type(x).__name__} and num_examples=None"
            )
        self._build_memory()
        return super().prepare_fit(arguments)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        loss = super().compute_loss(
            x, y, y_pred, sample_weight=sample_weight, training=training
        )
        if not training:
            return loss
        if not model_wrapper.is_indexed(x):
            raise ValueError(
                "SAF trains on inputs packed with their example indices: "
                "`(SAF.with_example_indices(x, indices), y)`. `fit(x, y)` "
                "with arrays does this itself. Received: inputs of type "
                f"{type(x).__name__}"
            )
        if self.memory is None:
            raise ValueError(
                "SAF's logit memory is not built: pass `num_examples` or "
                "train with `fit(x, y)` on arrays."
            )
        logits = ops.cast(ops.stop_gradient(y_pred), "float32")
        rows = ops.cast(x[model_wrapper.EXAMPLE_INDEX_KEY], "int32")
        rows = ops.reshape(rows, (-1,)) * self.slots
        epoch = ops.convert_to_tensor(self.epoch)
        # Slot (epoch - lag) % slots was written lag epochs ago; it is the
        # one this epoch's write leaves alone.
        past = ops.take(
            self.memory, rows + (epoch + 1) % self.slots, axis=0
        )
        self.memory.assign(
            ops.scatter_update(
                self.memory,
                ops.expand_dims(rows + epoch % self.slots, axis=-1),
                logits,
            )
        )
        # A slot is read only once it has been written.
        return self.add_trajectory_loss(
            loss, y_pred, past, sample_weight,
            active=ops.greater_equal(epoch, self.lag_epochs),
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {"num_examples": self.num_examples, "lag_epochs": self.lag_epochs}
        )
        return config

