import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops import dihedral
from kerastricks.utils import validation

DATA_FORMATS = ("channels_last", "channels_first")


@kerastricks_export("kerastricks.layers.RotationViewPooling")
class RotationViewPooling(keras.layers.Wrapper):
    """Averages a model's outputs over the 8 rotations and flips of its input.

    Wraps any layer or model that reads square images and makes it exactly
    invariant to 90-degree rotations and mirror flips of the input: the
    wrapped model sees all 8 views (4 rotations, each with and without a
    flip) in one batch, with shared weights, and the outputs are averaged.
    For data with no preferred orientation (galaxies, cells, satellite and
    microscopy images) the symmetry then holds by construction instead of
    being learned from augmentation, at 8 times the compute of one view.

    ```python
    views = [rot90(x, k) for k in 0..3] + [rot90(flip(x), k) for k in 0..3]
    output = mean(layer(v) for v in views)
    ```

    The wrapped model's output must not depend on the view's orientation
    for the invariance to be useful: a feature vector or class scores
    (e.g. a convolution stack ending in global pooling or dense layers). A
    spatial output is averaged position by position, as the views come.

    Args:
        layer: a `keras.layers.Layer` or `keras.Model` taking a batch of
            square images; it is shared by the 8 views.
        data_format: `"channels_last"` or `"channels_first"`, the layout of
            the images. Defaults to `"channels_last"`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Call arguments:
        inputs: a rank-4 floating-point batch of square images.
        training: bool, passed to the wrapped layer.

    Returns:
        The wrapped layer's output for `inputs`, averaged over the 8 views.

    Example:

    >>> cnn = keras.Sequential([keras.layers.Conv2D(4, 3),
    ...                         keras.layers.Flatten(),
    ...                         keras.layers.Dense(2)])
    >>> invariant = kerastricks.layers.RotationViewPooling(cnn)
    >>> x = np.random.rand(1, 6, 6, 3).astype("float32")
    >>> upright = keras.ops.convert_to_numpy(invariant(x))
    >>> turned = keras.ops.convert_to_numpy(
    ...     invariant(np.rot90(x, axes=(1, 2))))
    >>> bool(np.allclose(upright, turned, atol=1e-5))
    True

    References:
        - [Dieleman et al., 2015](https://arxiv.org/abs/1503.07077),
          "Rotation-invariant convolutional neural networks for galaxy
          morphology prediction".
    """

    def __init__(self, layer, data_format="channels_last", **kwargs):
        super().__init__(layer, **kwargs)
        self.data_format = validation.check_one_of("data_format",
                                                   data_format, DATA_FORMATS)

    def _square_sides(self, input_shape):
        if self.data_format == "channels_first":
            return input_shape[2], input_shape[3]
        return input_shape[1], input_shape[2]

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "RotationViewPooling", "inputs", input_shape, (4,))
        height, width = self._square_sides(input_shape)
        if height is None or width is None or height != width:
            raise ValueError(
                "RotationViewPooling needs square images of known size (a "
                "90-degree rotation must keep the shape). Received: inputs "
                f"of shape {input_shape} ({self.data_format})")
        if not self.layer.built:
            self.layer.build(input_shape)

    def call(self, inputs, training=None):
        validation.check_floating_input("RotationViewPooling", "inputs",
                                        inputs)
        return dihedral.rotation_view_average(
            lambda views: self.layer(views, training=training), inputs,
            self.data_format)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
