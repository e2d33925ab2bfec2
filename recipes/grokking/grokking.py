"""The `grokking` recipe: modular addition, the paper's grokking testbed.

Prieto et al., 2025, "Grokking at the Edge of Numerical Stability"
(https://arxiv.org/abs/2501.04697). Setup of the authors' code: (a + b) mod
113 over all pairs, 40% of them for training, full-batch steps, an MLP
226 -> 200 -> 200 -> 113 on concatenated one-hots with ReLU and no biases.
"""

import keras
import numpy as np

import kerastricks
from kerastricks.recipes.layers import PairOneHot
from kerastricks.recipes.layers import PositionEmbedding
from kerastricks.recipes.recipe import Recipe

# Training examples the Softmax Collapse monitor checks every epoch.
PROBE_SIZE = 512


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

    Args:
        modulus: int, the modulus `p`. Defaults to `113`.
        train_fraction: float in (0, 1), the share of all `p * p` pairs used
            for training. Defaults to `0.4`, as in the authors' scripts.
        distribution: see `Recipe`.
    """

    name = "grokking"
    default_epochs = 500
    default_batch_size = None  # full batch: one optimizer step per epoch

    def __init__(self, modulus=113, train_fraction=0.4, distribution=None,
                 tunable=True):
        super().__init__(distribution=distribution, tunable=tunable)
        self.modulus = kerastricks.utils.validation.check_positive_int(
            "modulus", modulus
        )
        self.train_fraction = kerastricks.utils.validation.check_in_range(
            "train_fraction", train_fraction, 0, 1,
            low_inclusive=False, high_inclusive=False,
        )

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
            "learning_rate": hp.Float(
                "learning_rate", 1e-4, 1e-1, sampling="log", default=1e-2
            ),
            "weight_decay": hp.Float(
                "weight_decay", 0.0, 8.0, default=0.0
            ),
            "adamw_beta_2": hp.Choice(
                "adamw_beta_2", [0.98, 0.99, 0.999], default=0.99
            ),
        }
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
        if values["model"] == "mlp":
            model = self._mlp(values["mlp_hidden_units"])
        else:
            model = self._transformer(values)
        if values["loss"] == "stablemax_cross_entropy":
            loss = kerastricks.losses.StableMaxCrossEntropy(sparse=True)
        else:
            loss = keras.losses.SparseCategoricalCrossentropy(
                from_logits=True
            )
        optimizer = keras.optimizers.AdamW(
            learning_rate=values["learning_rate"],
            beta_1=0.9,
            beta_2=values["adamw_beta_2"],
            epsilon=1e-8,
            weight_decay=values["weight_decay"],
        )
        if values["orthograd"]:
            optimizer = kerastricks.optimizers.OrthoGrad(optimizer)
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
        return model

    def _mlp(self, units):
        p = self.modulus
        layers = [keras.Input((2,), dtype="int32"), PairOneHot(p)]
        for index in range(2):
            layers.append(
                keras.layers.Dense(
                    units, activation="relu", use_bias=False,
                    kernel_initializer=_torch_linear_initializer(index),
                )
            )
        layers.append(
            keras.layers.Dense(
                p, use_bias=False,
                kernel_initializer=_torch_linear_initializer(2),
            )
        )
        return keras.Sequential(layers, name="grokking_mlp")

    def _transformer(self, values):
        dim = values["transformer_dim"]
        heads = values["transformer_heads"]
        dropout = values["transformer_dropout"]
        inputs = keras.Input((2,), dtype="int32")
        x = keras.layers.Embedding(self.modulus, dim)(inputs)
        x = PositionEmbedding()(x)
        # One post-norm encoder block with a 2048-wide ReLU feed-forward, as
        # torch's nn.TransformerEncoderLayer(128, nhead=4) in the paper.
        attention = keras.layers.MultiHeadAttention(
            heads, dim // heads, dropout=dropout
        )(x, x)
        x = keras.layers.LayerNormalization(epsilon=1e-5)(
            x + keras.layers.Dropout(dropout)(attention)
        )
        hidden = keras.layers.Dense(
            values["transformer_ff_units"], activation="relu"
        )(x)
        hidden = keras.layers.Dense(dim)(keras.layers.Dropout(dropout)(hidden))
        x = keras.layers.LayerNormalization(epsilon=1e-5)(
            x + keras.layers.Dropout(dropout)(hidden)
        )
        last = keras.layers.Cropping1D((1, 0))(x)
        outputs = keras.layers.Dense(self.modulus)(
            keras.layers.Flatten()(last)
        )
        return keras.Model(inputs, outputs, name="grokking_transformer")

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
        """Steps to 99% validation accuracy (`None` if never reached), final
        accuracies and the final Softmax Collapse fraction."""
        logs = history.history if hasattr(history, "history") else history
        steps_per_epoch = 1
        if getattr(history, "params", None):
            steps_per_epoch = history.params.get("steps") or 1
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
