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
