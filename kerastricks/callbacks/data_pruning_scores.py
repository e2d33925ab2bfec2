import keras
import numpy as np

from kerastricks import backend
from kerastricks.api_export import kerastricks_export
from kerastricks.ops.data_pruning import el2n
from kerastricks.ops.data_pruning import grand
from kerastricks.utils import validation

SCORES = ("el2n", "grand", "grand_last_layer")


@kerastricks_export("kerastricks.callbacks.DataPruningScores")
class DataPruningScores(keras.callbacks.Callback):
    """Scores every training example by EL2N or GraNd early in training.

    "Beyond neural scaling laws" shows that with a good difficulty score,
    training on a well-chosen subset can beat power-law scaling. EL2N (the
    error L2-norm: the distance between the predicted probabilities and the
    one-hot label) and GraNd (the norm of the example's loss gradient) are
    such scores, measured a few epochs into training. High scores mark
    hard, ambiguous or mislabeled examples. Fit with this callback, read
    `scores`, then keep a subset with
    `kerastricks.utils.select_kept_indices`. For a label-free score see
    `kerastricks.utils.prototype_scores`.

    ```python
    at the end of each epoch e in score_epochs:
        "el2n":  s_e = |softmax(model(x)) - onehot(y)|_2           # each x
        "grand": s_e = |d CE(y, model(x)) / d theta|_2              # each x
                 (theta: all trainable weights, or "grand_last_layer": the
                 last layer's, = |p - onehot(y)| * |[h, 1]| for Dense)
    scores = mean_e s_e
    ```

    Args:
        data: tuple `(x, y)` of the examples to score (usually the whole
            training set) with integer labels.
        score_epochs: tuple of positive ints, the (1-based) epochs after
            which to score; the scores are averaged. Defaults to `(10,)`;
            the paper scores CIFAR-10 after 20 of 200 epochs, averaged over
            10 training runs (average several runs yourself for that).
        from_logits: bool, the model outputs logits. Defaults to `True`.
        batch_size: positive int for scoring. Defaults to `256`.
        score: `"el2n"`, `"grand"` (per-example gradient norm over all
            trainable weights, one per-example gradient pass over `data`)
            or `"grand_last_layer"` (only the weights of the last layer
            that has any: much cheaper for large models). Defaults to
            `"el2n"`.

    Example:

    >>> x = np.random.rand(32, 4).astype("float32")
    >>> y = np.arange(32) % 3
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    >>> model.compile(optimizer="adam", loss=keras.losses.
    ...               SparseCategoricalCrossentropy(from_logits=True))
    >>> scorer = kerastricks.callbacks.DataPruningScores((x, y),
    ...                                                  score_epochs=(1,))
    >>> history = model.fit(x, y, epochs=1, verbose=0, callbacks=[scorer])
    >>> scorer.scores.shape
    (32,)

    References:
        - [Sorscher et al., 2022](https://arxiv.org/abs/2206.14486), "Beyond
          neural scaling laws: beating power law scaling via data pruning".
        - [Paul et al., 2021](https://arxiv.org/abs/2107.07075), "Deep
          Learning on a Data Diet: Finding Important Examples Early in
          Training" (EL2N, GraNd).
    """

    def __init__(self, data, score_epochs=(10,), from_logits=True,
                 batch_size=256, score="el2n"):
        super().__init__()
        self.data = validation.check_examples("data", data)
        self.score_epochs = validation.check_positive_int_sequence(
            "score_epochs", score_epochs)
        self.from_logits = validation.check_bool("from_logits", from_logits)
        self.batch_size = validation.check_positive_int("batch_size",
                                                        batch_size)
        self.score = validation.check_one_of("score", score, SCORES)
        self._snapshots = []
        self._gradients = None

    @property
    def scores(self):
        """Mean score over the scored epochs, shape `(num_examples,)`."""
        if not self._snapshots:
            raise ValueError(
                "No scores yet: training has not reached any of "
                f"score_epochs={self.score_epochs}"
            )
        return np.mean(self._snapshots, axis=0)

    def on_train_begin(self, logs=None):
        self._snapshots = []
        self._gradients = None

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 not in self.score_epochs:
            return
        x, y = self.data
        if self.score == "el2n":
            outputs = self.model.predict(x, batch_size=self.batch_size,
                                         verbose=0)
            self._snapshots.append(keras.ops.convert_to_numpy(
                el2n(outputs, y, self.from_logits)))
        else:
            self._snapshots.append(self._grand(x, y))

    def _grand(self, x, y):
        if self._gradients is None:
            variables = self.model.trainable_variables
            if self.score == "grand_last_layer":
                variables = next(layer.trainable_variables
                                 for layer in reversed(self.model.layers)
                                 if layer.trainable_variables)

            def loss_fn(labels, outputs):
                return keras.losses.sparse_categorical_crossentropy(
                    labels, keras.ops.cast(outputs, "float32"),
                    from_logits=self.from_logits)

            self._gradients = backend.get().compile_per_example_gradients(
                self.model, loss_fn, variables)
        count = len(x)
        scores = []
        for start in range(0, count, self.batch_size):
            # Padded to a full batch (rows repeated, results dropped) so
            # every pass has the same static shape.
            rows = np.minimum(np.arange(start, start + self.batch_size),
                              count - 1)
            per_example = self._gradients(x[rows],
                                          y[rows].astype("int32"))
            scores.append(keras.ops.convert_to_numpy(grand(per_example)))
        return np.concatenate(scores)[:count]

    def get_config(self):
        x, y = self.data
        return {
            "data": (x.tolist(), y.tolist()),
            "score_epochs": list(self.score_epochs),
            "from_logits": self.from_logits,
            "batch_size": self.batch_size,
            "score": self.score,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
