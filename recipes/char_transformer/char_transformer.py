"""The `char_transformer` recipe: a small byte-level decoder-only
transformer, with the two mitigations of Wortsman et al., 2023, "Small-scale
proxies for large-scale Transformer training instabilities"
(https://arxiv.org/abs/2309.14322): qk-layernorm and the output z-loss, and
optionally the maximal update parametrization (µP) of Yang et al., 2022,
"Tensor Programs V" (https://arxiv.org/abs/2203.03466).
"""

import inspect
import math
import os

import keras
import numpy as np

import kerastricks
from kerastricks.recipes import datasets
from kerastricks.recipes.layers import PositionEmbedding
from kerastricks.recipes.recipe import Recipe

VOCABULARY_SIZE = 256  # bytes: any text, no vocabulary file to ship
PARAMETRIZATIONS = ("standard", "mup")
# A few modules of Python's own standard library: offline, always there.
STDLIB_FILES = ("inspect.py", "os.py", "textwrap.py", "functools.py",
                "string.py", "argparse.py")


def encode(text):
    """UTF-8 bytes of `text` as an int32 array (the model's tokens)."""
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8).astype(
        "int32"
    )


class CharTransformerRecipe(Recipe):
    """Next-byte prediction with a pre-LayerNorm decoder-only transformer.

    Searches qk-layernorm on/off (`QKNormMultiHeadAttention`), the z-loss
    on/off (`LogitZLoss`) and its coefficient, the learning rate, warmup,
    independent weight decay and the model size. The default text is a few
    source files of Python's standard library (offline); `data` may name
    any UTF-8 text file or a TFDS text dataset (`"tfds:tiny_shakespeare"`).
    `learning_rate_sweep` (in this package) reproduces the paper's
    final-loss-vs-learning-rate curves with and without the mitigations.

    Args:
        sequence_length: int, tokens per training window. Defaults to `64`.
        max_characters: int, the most bytes of text used. Defaults to
            `100000`.
        decay_steps: int or `None`, the length of the cosine learning-rate
            decay after warmup; `None` keeps the rate constant after warmup.
            Defaults to `None`.
        parametrization: `"standard"` (Keras's layers and one learning
            rate) or `"mup"`: `MuMultiHeadAttention` (logits scaled by
            1/key_dim), a zero-initialized `MuReadout` and per-variable
            learning rates (`MuOptimizer`) relative to a model of
            `transformer_dim=base_width`, so that the best learning rate
            found at `base_width` carries to wider models. µP has no
            qk-layernorm here (`qk_norm` is fixed to `False`: its scale is
            1/sqrt(key_dim)). Defaults to `"standard"`.
        base_width: int, the `transformer_dim` of the µP base model
            (required with `parametrization="mup"`, ignored otherwise).
            Defaults to `None`.
        distribution: see `Recipe`.
    """

    name = "char_transformer"
    default_epochs = 3
    default_batch_size = 32

    def __init__(self, sequence_length=64, max_characters=100_000,
                 decay_steps=None, parametrization="standard",
                 base_width=None, distribution=None, tunable=True):
        super().__init__(distribution=distribution, tunable=tunable)
        validation = kerastricks.utils.validation
        self.sequence_length = validation.check_positive_int(
            "sequence_length", sequence_length
        )
        self.max_characters = validation.check_positive_int(
            "max_characters", max_characters
        )
        self.decay_steps = (
            None if decay_steps is None
            else validation.check_positive_int("decay_steps", decay_steps)
        )
        self.parametrization = validation.check_one_of(
            "parametrization", parametrization, PARAMETRIZATIONS
        )
        if parametrization == "mup" and base_width is None:
            raise ValueError(
                "Argument `base_width` must be set with parametrization="
                "'mup': the transformer_dim of the base model whose "
                "learning rates µP transfers. Received: base_width=None"
            )
        self.base_width = (
            None if base_width is None
            else validation.check_positive_int("base_width", base_width)
        )

    def declare_hyperparameters(self, hp):
        values = {
            "transformer_dim": hp.Choice("transformer_dim", [32, 64, 128, 256],
                                         default=64),
            "transformer_layers": hp.Int("transformer_layers", 1, 4,
                                         default=2),
            "transformer_heads": hp.Choice("transformer_heads", [1, 2, 4, 8],
                                           default=4),
            "qk_norm": hp.Fixed("qk_norm", False)
            if self.parametrization == "mup"
            else hp.Boolean("qk_norm", default=True),
            "logit_z_loss": hp.Boolean("logit_z_loss", default=True),
            "learning_rate": hp.Float("learning_rate", 1e-4, 1.0,
                                      sampling="log", default=1e-2),
            "warmup_steps": hp.Int("warmup_steps", 0, 5000, default=50),
            "weight_decay": hp.Float("weight_decay", 0.0, 1e-2,
                                     default=1e-4),
            "adamw_beta_2": hp.Choice("adamw_beta_2", [0.95, 0.98, 0.999],
                                      default=0.95),
        }
        with hp.conditional_scope("logit_z_loss", [True]):
            values["logit_z_loss_coefficient"] = hp.Float(
                "logit_z_loss_coefficient", 1e-6, 1e-2, sampling="log",
                default=1e-4,
            )
        return {k: v for k, v in values.items() if v is not None}

    def build_model(self, values):
        model = self._network(values, values["transformer_dim"])

        if values["logit_z_loss"]:
            loss = kerastricks.losses.LogitZLoss(
                coefficient=values["logit_z_loss_coefficient"]
            )
        else:
            loss = keras.losses.SparseCategoricalCrossentropy(
                from_logits=True
            )
        learning_rate = values["learning_rate"]
        schedule = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0,
            warmup_target=learning_rate,
            warmup_steps=values["warmup_steps"],
            decay_steps=self.decay_steps or 1,
            # Without decay_steps the rate stays at its peak after warmup.
            alpha=1.0 if self.decay_steps is None else 0.0,
        )
        optimizer = keras.optimizers.AdamW(
            learning_rate=schedule,
            beta_1=0.9,
            beta_2=values["adamw_beta_2"],
            epsilon=1e-8,
            # The paper's decay is independent of the peak learning rate:
            # w -= (lr_t / lr) * weight_decay * w. Keras multiplies its
            # weight_decay by lr_t, hence the division.
            weight_decay=values["weight_decay"] / learning_rate,
        )
        optimizer.exclude_from_weight_decay(var_names=["bias", "gamma",
                                                       "beta"])
        if self.parametrization == "mup":
            base_model = self._network(values, self.base_width)
            optimizer = kerastricks.optimizers.MuOptimizer(
                optimizer,
                kerastricks.utils.mup_learning_rate_multipliers(
                    model, base_model, update_rule="adam"
                ),
            )
        model.compile(
            optimizer=optimizer,
            loss=loss,
            metrics=[
                keras.metrics.SparseCategoricalCrossentropy(
                    from_logits=True, name="cross_entropy"
                ),
                "accuracy",
            ],
        )
        return model

    def _network(self, values, dim):
        heads = values["transformer_heads"]
        for name, width in (("transformer_dim", dim),
                            ("base_width", self.base_width)):
            if width is not None and width % heads:
                raise ValueError(
                    f"{name}={width} must be divisible by "
                    f"transformer_heads={heads}"
                )
        mup = self.parametrization == "mup"
        inputs = keras.Input((self.sequence_length,), dtype="int32")
        x = keras.layers.Embedding(VOCABULARY_SIZE, dim)(inputs)
        x = PositionEmbedding()(x)
        for _ in range(values["transformer_layers"]):
            if mup:
                attention = kerastricks.layers.MuMultiHeadAttention(
                    heads, dim // heads, base_key_dim=self.base_width // heads,
                    use_bias=False,
                )
            else:
                attention = _attention(heads, dim // heads, values["qk_norm"])
            x = _decoder_block(x, dim, attention)
        x = keras.layers.LayerNormalization(epsilon=1e-5)(x)
        if mup:
            # Zero readout at initialization, as Tensor Programs V advises.
            readout = kerastricks.layers.MuReadout(
                VOCABULARY_SIZE, base_input_dim=self.base_width,
                use_bias=False, kernel_initializer="zeros",
            )
        else:
            readout = keras.layers.Dense(VOCABULARY_SIZE, use_bias=False)
        return keras.Model(inputs, readout(x), name="char_transformer")

    def default_data(self, seed):
        directory = os.path.dirname(inspect.__file__)
        texts = []
        for file_name in STDLIB_FILES:
            path = os.path.join(directory, file_name)
            if os.path.isfile(path):
                with open(path, encoding="utf-8") as file:
                    texts.append(file.read())
        return self._windows("\n".join(texts), seed)

    def load_file(self, path, seed):
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except UnicodeDecodeError as error:
            raise ValueError(
                f"char_transformer reads UTF-8 text files. {path} is not "
                f"UTF-8 text: {error}"
            ) from error
        return self._windows(text, seed)

    def load_tfds(self, dataset_name, seed):
        return self._windows(
            datasets.load_tfds_text(dataset_name, self.max_characters), seed
        )

    def _windows(self, text, seed):
        tokens = encode(text)[: self.max_characters]
        window = self.sequence_length + 1
        count = len(tokens) // window
        if count < 2:
            raise ValueError(
                f"char_transformer needs at least {2 * window} bytes of text "
                f"for sequence_length={self.sequence_length}. "
                f"Received: {len(tokens)} bytes"
            )
        windows = tokens[: count * window].reshape(count, window)
        return datasets.split(windows[:, :-1], windows[:, 1:],
                              validation_fraction=0.1, seed=seed)

    def check_data(self, splits):
        for split_name in ("train", "validation"):
            x, y = splits[split_name]
            expected = (len(x), self.sequence_length)
            if np.shape(x) != expected or np.shape(y) != expected:
                raise ValueError(
                    f"char_transformer expects {split_name} inputs and "
                    f"targets of shape (n, {self.sequence_length}). "
                    f"Received: x {np.shape(x)}, y {np.shape(y)}"
                )
        return splits

    def summarize(self, history):
        """Final validation cross-entropy (nats and bits per byte)."""
        logs = history.history if hasattr(history, "history") else history
        losses = list(logs.get("val_cross_entropy", []))
        final = float(losses[-1]) if losses else None
        return {
            "final_val_cross_entropy": final,
            "final_val_bits_per_byte": None if final is None
            else final / math.log(2),
            "final_val_accuracy": float(logs["val_accuracy"][-1])
            if logs.get("val_accuracy") else None,
        }


def _attention(heads, key_dim, qk_norm):
    if qk_norm:
        return kerastricks.layers.QKNormMultiHeadAttention(
            heads, key_dim, use_bias=False
        )
    return keras.layers.MultiHeadAttention(heads, key_dim, use_bias=False)


def _decoder_block(x, dim, attention):
    normed = keras.layers.LayerNormalization(epsilon=1e-5)(x)
    x = x + attention(normed, normed, use_causal_mask=True)
    normed = keras.layers.LayerNormalization(epsilon=1e-5)(x)
    hidden = keras.layers.Dense(4 * dim, activation="gelu",
                                use_bias=False)(normed)
    return x + keras.layers.Dense(dim, use_bias=False)(hidden)
