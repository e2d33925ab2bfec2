"""The Keras layers and models that recipe models are built from.

Registered as `kerastricks.recipes>Name` and imported by `import
kerastricks` (this module needs nothing but Keras), so that a run folder's
`model.keras` loads with `keras.saving.load_model` in a fresh process.
"""

import keras

# The Keras registration package of the recipes' objects.
PACKAGE = "kerastricks.recipes"


@keras.saving.register_keras_serializable(package=PACKAGE)
class PositionEmbedding(keras.layers.Layer):
    """Adds a learned embedding per sequence position."""

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=tuple(input_shape[1:]),
            initializer=keras.initializers.RandomNormal(stddev=0.02),
            name="embeddings",
        )

    def call(self, inputs):
        return inputs + keras.ops.cast(self.embeddings, inputs.dtype)


@keras.saving.register_keras_serializable(package=PACKAGE)
class PairOneHot(keras.layers.Layer):
    """Maps integer pairs `(batch, 2)` to two concatenated one-hots."""

    def __init__(self, num_tokens, **kwargs):
        super().__init__(**kwargs)
        self.num_tokens = num_tokens

    def call(self, inputs):
        one_hot = keras.ops.one_hot(
            keras.ops.cast(inputs, "int32"), self.num_tokens, dtype=self.dtype
        )
        return keras.ops.reshape(one_hot, (-1, 2 * self.num_tokens))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config["num_tokens"] = self.num_tokens
        return config



@keras.saving.register_keras_serializable(package=PACKAGE)
class TwoViewContrastiveModel(keras.Model):
    """Encoder + projection head applied to two augmented views.

    `call(images)` returns the projections of both views stacked along the
    batch axis (rows `i` and `i + N` are views of image `i`), the layout
    `NTXentLoss` and `SupervisedContrastiveLoss` expect; `compute_loss`
    repeats the labels to match. Use `.encoder` for embeddings.
    """

    def __init__(self, encoder, projection_head, augmentation, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.projection_head = projection_head
        self.augmentation = augmentation

    def call(self, images, training=False):
        projections = [
            self.projection_head(
                self.encoder(self.augmentation(images, training=training),
                             training=training),
                training=training,
            )
            for _ in range(2)
        ]
        return keras.ops.concatenate(projections, axis=0)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     training=True):
        if y is not None:
            y = keras.ops.concatenate([y, y], axis=0)
        if sample_weight is not None:
            sample_weight = keras.ops.concatenate(
                [sample_weight, sample_weight], axis=0)
        return super().compute_loss(x, y, y_pred, sample_weight,
                                    training=training)

    def get_config(self):
        config = super().get_config()
        for name in ("encoder", "projection_head", "augmentation"):
            config[name] = keras.saving.serialize_keras_object(
                getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in ("encoder", "projection_head", "augmentation"):
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)



def batch_norm(distribution=None):
    """BatchNormalization as the recipes' small models need it.

    Momentum 0.9: the moving statistics must settle within the few hundred
    steps of a small dataset (Keras's 0.99 leaves them stale). Under a
    `tf.distribute` strategy (`distribution` on the TensorFlow backend) the
    statistics are synchronized over the global batch, as on one device;
    JAX's DataParallel computes them globally anyway, and Keras allows
    `synchronized` on TensorFlow only.
    """
    synchronized = (distribution is not None
                    and keras.config.backend() == "tensorflow")
    return keras.layers.BatchNormalization(momentum=0.9,
                                           synchronized=synchronized)
