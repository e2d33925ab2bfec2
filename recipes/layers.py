"""Small Keras layers the recipes' models share (registered as
`recipes>Name`, so saved recipe models load back)."""

import keras


@keras.saving.register_keras_serializable(package="recipes")
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
