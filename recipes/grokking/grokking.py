"""The `grokking` recipe: modular addition, the paper's grokking testbed.

Prieto et al., 2025, "Grokking at the Edge of Numerical Stability"
(https://arxiv.org/abs/2501.04697). Setup of the authors' code: (a + b) mod
113 over all pairs, 40% of them for training, full-batch steps, an MLP
226 -> 200 -> 200 -> 113 on concatenated one-hots with ReLU and no biases.
"""

import warnings

import keras
import numpy as np

import kerastricks
from kerastricks.recipes._array_stream import EndlessArrayStream
from kerastricks.recipes.layers import PairOneHot
from kerastricks.recipes.layers import PositionEmbedding
from kerastricks.recipes.recipe import Recipe
from kerastricks.recipes.runner import check_positive_count

# Training examples the Softmax Collapse monitor checks every epoch.
PROBE_SIZE = 512
PRECISIONS = ("float32", "float64")


def float64_available():
    """Whether the backend computes in float64 (JAX needs
    `JAX_ENABLE_X64=1` set before it is imported; otherwise it silently
    computes a float64 request in float32)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # JAX's truncation warning
        dtype = keras.ops.ones((), dtype="float64").dtype
    return keras.backend.standardize_dtype(dtype) == "float64"


def _torch_linear_initializer(seed):
    # PyTorch's nn.Linear default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as in
    # the authors' models.
    return keras.initializers.VarianceScaling(
        scale=1.0 / 3.0, mode="fan_in", distribution="uniform", seed=seed
    )


class GrokkingRecipe(Recipe):
    """Modular addition `(a + b) mod modulus` with an MLP or a transformer.

    Searches the loss (softmax or StableMax cross-entropy), ⊥Grad on/off,
    the learning rate, weight decay and the model. The headline metric is
    the number of optimizer steps to 99% validation accuracy.

    Training is full batch, as in the paper. An epoch of this recipe is
    `steps_per_epoch` optimizer steps on the whole training set, run as one
    execution (`compile(steps_per_execution=...)`; PyTorch's trainer allows
    only one step an execution) on a dataset that hands
    Keras the same batch every step: no per-step Python work beyond the
    backend's own loop. Validation, the metrics row, the Softmax Collapse
    monitor and the run folder's checkpoint happen once an epoch, so
    `steps_per_epoch=100` runs the paper's 70k-step configurations at
    close to the bare step time.

    Args:
        modulus: int, the modulus `p`. Defaults to `113`.
        train_fraction: float in (0, 1), the share of all `p * p` pairs used
            for training. Defaults to `0.4`, as in the authors' scripts.
        steps_per_epoch: int, full-batch optimizer steps per epoch (between
            two evaluations). Defaults to `1`, the paper's epoch.
        distribution: see `Recipe`.
    """

    name = "grokking"
    default_epochs = 500
    default_batch_size = None  # full batch

    def __init__(self, modulus=113, train_fraction=0.4, steps_per_epoch=1,
                 distribution=None, tunable=True):
        super().__init__(distribution=distribution, tunable=tunable)
        self.steps_per_epoch = check_positive_count(
            "steps_per_epoch", steps_per_epoch
        )
        self.modulus = kerastricks.utils.validation.check_positive_int(
            "modulus", modulus
        )
        self.train_fraction = kerastricks.utils.validation.check_in_range(
            "train_fraction", train_fraction, 0, 1,
            low_inclusive=False, high_inclusive=False,
        )
        if not float64_available():
            # A search must not draw a precision this process cannot
            # compute; asking for float64 by name still gets the error of
            # `build_model`, which says how to enable it.
            self.set_hyperparameters(precision="float32")

    def declare_hyperparameters(self, hp):
        values = {
            "model": hp.Choice(
                "model", ["mlp", "transformer"], default="mlp"
            ),
            "loss": hp.Choice(
                "loss",
                ["softmax_cross_entropy", "stablemax_cross_entropy"],
                default="softmax_cross_entropy",
            ),
            "orthograd": hp.Boolean("orthograd", default=True),
            "optimizer": hp.Choice(
                "optimizer", ["adamw", "sgd"], default="adamw"
            ),
            # The dtype of the weights and the logits: the paper's float64
            # runs show that collapse is a float32 rounding effect.
            "precision": hp.Choice(
                "precision", list(PRECISIONS), default="float32"
            ),
        }
        with hp.conditional_scope("optimizer", ["adamw"]):
            values["learning_rate"] = hp.Float(
                "learning_rate", 1e-4, 1e-1, sampling="log", default=1e-2
            )
            values["weight_decay"] = hp.Float(
                "weight_decay", 0.0, 8.0, default=0.0
            )
            values["adamw_beta_2"] = hp.Choice(
                "adamw_beta_2", [0.98, 0.99, 0.999], default=0.99
            )
            # The authors' plain AdamW runs use eps 1e-25 (their
            # `--adam_epsilon`); late in a run without weight decay the
            # second moments are tiny and 1e-8 would damp the steps.
            values["adamw_epsilon"] = hp.Float(
                "adamw_epsilon", 1e-30, 1e-6, sampling="log", default=1e-8
            )
        with hp.conditional_scope("optimizer", ["sgd"]):
            # ⊥SGD steps with rates near 10 (the paper's float64 run).
            values["sgd_learning_rate"] = hp.Float(
                "sgd_learning_rate", 1e-2, 1e2, sampling="log", default=10.0
            )
            values["sgd_momentum"] = hp.Float(
                "sgd_momentum", 0.0, 0.95, default=0.8
            )
        with hp.conditional_scope("model", ["mlp"]):
            values["mlp_hidden_units"] = hp.Int(
                "mlp_hidden_units", 50, 400, step=50, default=200
            )
        with hp.conditional_scope("model", ["transformer"]):
            values["transformer_dim"] = hp.Choice(
                "transformer_dim", [64, 128, 256], default=128
            )
            values["transformer_heads"] = hp.Choice(
                "transformer_heads", [1, 2, 4, 8], default=4
            )
            values["transformer_ff_units"] = hp.Int(
                "transformer_ff_units", 64, 2048, sampling="log", default=2048
            )
            values["transformer_dropout"] = hp.Float(
                "transformer_dropout", 0.0, 0.3, default=0.1
            )
        return {k: v for k, v in values.items() if v is not None}

    def build_model(self, values):
        dtype = values["precision"]
        if dtype == "float64" and not float64_available():
            raise ValueError(
                "Hyperparameter 'precision' is 'float64' but the "
                f"{keras.config.backend()} backend computes float64 in "
                "float32 here (under JAX, set JAX_ENABLE_X64=1 before "
                "importing Keras). Received: precision='float64'"
            )
        if values["model"] == "mlp":
            model = self._mlp(values["mlp_hidden_units"], dtype)
        else:
            model = self._transformer(values, dtype)
        if values["loss"] == "stablemax_cross_entropy":
            # The authors compute StableMax in float64 whatever the model's
            # dtype.
            loss = kerastricks.losses.StableMaxCrossEntropy(
                sparse=True,
                dtype="float64" if float64_available() else None,
            )
        else:
            loss = keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, dtype=dtype
            )
        if values["optimizer"] == "sgd":
            optimizer = keras.optimizers.SGD(
                learning_rate=values["sgd_learning_rate"],
                momentum=values["sgd_momentum"],
            )
        else:
            optimizer = keras.optimizers.AdamW(
                learning_rate=values["learning_rate"],
                beta_1=0.9,
                beta_2=values["adamw_beta_2"],
                epsilon=values["adamw_epsilon"],
                weight_decay=values["weight_decay"],
            )
        if values["orthograd"]:
            optimizer = kerastricks.optimizers.OrthoGrad(optimizer)
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"],
                      steps_per_execution=self.steps_per_execution())
        return model

    def steps_per_execution(self):
        """Steps Keras runs between two returns to Python: a whole epoch,
        except under PyTorch, whose trainer runs one step at a time."""
        if keras.config.backend() == "torch":
            return 1
        return self.steps_per_epoch

    def _mlp(self, units, dtype):
        p = self.modulus
        layers = [keras.Input((2,), dtype="int32"),
                  PairOneHot(p, dtype=dtype)]
        for index in range(2):
            layers.append(
                keras.layers.Dense(
                    units, activation="relu", use_bias=False,
                    kernel_initializer=_torch_linear_initializer(index),
                    dtype=dtype,
                )
            )
        layers.append(
            keras.layers.Dense(
                p, use_bias=False,
                kernel_initializer=_torch_linear_initializer(2),
                dtype=dtype,
            )
        )
        return keras.Sequential(layers, name="grokking_mlp")

    def _transformer(self, values, dtype):
        dim = values["transformer_dim"]
        heads = values["transformer_heads"]
        dropout = values["transformer_dropout"]
        inputs = keras.Input((2,), dtype="int32")
        x = keras.layers.Embedding(self.modulus, dim, dtype=dtype)(inputs)
        x = PositionEmbedding(dtype=dtype)(x)
        # One post-norm encoder block with a 2048-wide ReLU feed-forward, as
        # torch's nn.TransformerEncoderLayer(128, nhead=4) in the paper.
        attention = keras.layers.MultiHeadAttention(
            heads, dim // heads, dropout=dropout, dtype=dtype
        )(x, x)
        x = keras.layers.LayerNormalization(epsilon=1e-5, dtype=dtype)(
            x + keras.layers.Dropout(dropout, dtype=dtype)(attention)
        )
        hidden = keras.layers.Dense(
            values["transformer_ff_units"], activation="relu", dtype=dtype
        )(x)
        hidden = keras.layers.Dense(dim, dtype=dtype)(
            keras.layers.Dropout(dropout, dtype=dtype)(hidden)
        )
        x = keras.layers.LayerNormalization(epsilon=1e-5, dtype=dtype)(
            x + keras.layers.Dropout(dropout, dtype=dtype)(hidden)
        )
        last = keras.layers.Cropping1D((1, 0), dtype=dtype)(x)
        outputs = keras.layers.Dense(self.modulus, dtype=dtype)(
            keras.layers.Flatten(dtype=dtype)(last)
        )
        return keras.Model(inputs, outputs, name="grokking_transformer")

    def fit(self, hp, model, *args, **kwargs):
        """`Recipe.fit` with full-batch epochs of `steps_per_epoch` steps.

        Full-batch training data (arrays with no `batch_size` or
        `batch_size >= len(x)`, or a run folder's one-batch stream) is
        handed to Keras as `FullBatchSteps`: the same batch every step, in
        a fixed row order (a full-batch gradient does not depend on it), so
        a run resumed at any epoch repeats an uninterrupted one step for
        step.
        """
        args = list(args)
        x = args.pop(0) if args else kwargs.pop("x", None)
        y = args.pop(0) if args else kwargs.pop("y", None)
        arrays = _full_batch_arrays(x, y, kwargs.get("batch_size"))
        if arrays is not None:
            x, y = FullBatchSteps(*arrays), None
            kwargs.pop("batch_size", None)
            kwargs["shuffle"] = False
            kwargs["steps_per_epoch"] = self.steps_per_epoch
        return super().fit(hp, model, x, y, *args, **kwargs)

    def make_callbacks(self, values, train_data, validation_data):
        """Softmax Collapse on a fixed probe of the training set, each
        epoch: the failure mode the paper's remedies target."""
        if train_data is None:
            return []
        x, y = train_data
        probe = slice(0, min(len(x), PROBE_SIZE))
        # Under StableMax the logits' softmax is only a diagnostic (the loss
        # does not saturate), so the monitor logs it without warning.
        stablemax = values["loss"] == "stablemax_cross_entropy"
        return [kerastricks.callbacks.SoftmaxCollapseMonitor(
            (np.asarray(x[probe]), np.asarray(y[probe])),
            warn_above=1.0 if stablemax else 0.5,
            measure_alignment=False,
        )]

    def default_data(self, seed):
        p = self.modulus
        a, b = np.meshgrid(np.arange(p), np.arange(p), indexing="ij")
        pairs = np.stack([a.ravel(), b.ravel()], axis=1).astype("int32")
        labels = ((pairs[:, 0] + pairs[:, 1]) % p).astype("int32")
        order = np.random.default_rng(seed).permutation(len(pairs))
        split = int(round(self.train_fraction * len(pairs)))
        train, validation = order[:split], order[split:]
        return {
            "train": (pairs[train], labels[train]),
            "validation": (pairs[validation], labels[validation]),
        }

    def check_data(self, splits):
        for split_name in ("train", "validation"):
            x, y = splits[split_name]
            if x.ndim != 2 or x.shape[1] != 2 or len(x) != len(y):
                raise ValueError(
                    f"grokking expects {split_name} inputs of shape (n, 2) "
                    f"and n labels. Received: x of shape {x.shape}, "
                    f"y of shape {np.shape(y)}"
                )
            if x.min() < 0 or x.max() >= self.modulus:
                raise ValueError(
                    f"grokking inputs must lie in [0, {self.modulus}). "
                    f"Received values in [{x.min()}, {x.max()}]"
                )
        return splits

    def summarize(self, history):
        """Steps to 99% validation accuracy (`None` if never reached; it
        is counted at the end of the first epoch that reaches it, so its
        resolution is `steps_per_epoch`), final accuracies and the final
        Softmax Collapse fraction."""
        logs = history.history if hasattr(history, "history") else history
        # Mini-batch epochs (a `batch_size` below the training set) have
        # `history.params["steps"]` batches; full-batch ones ours.
        batches = 1
        if getattr(history, "params", None):
            batches = history.params.get("steps") or 1
        steps_per_epoch = (self.steps_per_epoch if batches == 1
                           else batches)
        accuracy = list(logs.get("val_accuracy", []))
        reached = [i for i, value in enumerate(accuracy) if value >= 0.99]
        return {
            "steps_to_99_val_accuracy": (
                (reached[0] + 1) * steps_per_epoch if reached else None
            ),
            "final_val_accuracy": float(accuracy[-1]) if accuracy else None,
            "final_train_accuracy": float(logs["accuracy"][-1])
            if logs.get("accuracy")
            else None,
            "final_softmax_collapse": float(logs["softmax_collapse"][-1])
            if logs.get("softmax_collapse")
            else None,
            "steps": len(logs.get("loss", [])) * steps_per_epoch,
        }


class FullBatchSteps(EndlessArrayStream):
    """An endless stream of one batch: the whole training set, every step.

    Keras fetches it once per step (`__getitem__` returns the same arrays,
    no copy), so full-batch training pays no indexing or shuffling work;
    fit it with `steps_per_epoch`.
    """

    def __getitem__(self, index):
        return self.x, self.y


def _full_batch_arrays(x, y, batch_size):
    """`(x, y)` if they are a full-batch training set (arrays trained with
    no batch size or one at least their length, or a one-batch stream that
    exposes its arrays), else `None`."""
    if hasattr(x, "shape") and y is not None:
        if batch_size is None or batch_size >= len(x):
            return x, y
        return None
    arrays = getattr(x, "arrays", None)
    if not callable(arrays) or getattr(x, "steps_per_epoch", None) != 1:
        return None
    return arrays()
