import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.spatial_pyramid_pooling import spatial_pyramid_pooling
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.SpatialPyramidPooling2D")
class SpatialPyramidPooling2D(keras.layers.Layer):
    """Pools feature maps of any size into a fixed-length vector.

    SPP-net's layer: for each pyramid level n the feature map is divided into
    an n x n grid and every bin is pooled, so the output length
    `channels * sum(n * n)` does not depend on the input's height and width.
    A CNN with SPP before its dense head accepts images of any size and
    aggregates features at several scales.

    ```python
    for n in bins:                      # e.g. (1, 2, 4): 1 + 4 + 16 bins
        for each bin (i, j) of an n x n grid over H x W:
            rows = [floor(i*H/n), ceil((i+1)*H/n)), same for columns
            out.append(max (or mean) of x[rows, cols, :])
    output = concatenate(out)           # (batch, C * 21)
    ```

    The paper sizes its pooling windows as ceil(a/n) with stride floor(a/n),
    which equals the bins above when a is a multiple of n but yields fewer
    than n bins for some sizes (a=7, n=4 gives 6 windows of 2 with stride 1);
    we use the bin edges above, which always give exactly n bins and cover
    the map.

    Args:
        bins: tuple of positive ints, the grid size of each pyramid level.
            Defaults to `(1, 2, 4)`.
        mode: `"max"` (the paper) or `"average"`. Defaults to `"max"`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `"channels_last"`.
        **kwargs: base layer arguments (`name`, `dtype`).

    Call arguments:
        inputs: a 4-D tensor of any height and width (`None` is fine in a
            model's `Input`).

    Returns:
        A 2-D tensor `(batch, channels * sum(n * n for n in bins))`.

    Example:

    >>> spp = kerastricks.layers.SpatialPyramidPooling2D()
    >>> tuple(spp(np.ones((2, 13, 9, 3), "float32")).shape)
    (2, 63)

    References:
        - [He et al., 2014](https://arxiv.org/abs/1406.4729), "Spatial Pyramid
          Pooling in Deep Convolutional Networks for Visual Recognition".
    """

    def __init__(self, bins=(1, 2, 4), mode="max",
                 data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.bins = validation.check_positive_int_sequence("bins", bins)
        self.mode = validation.check_one_of("mode", mode, ("max", "average"))
        self.data_format = validation.check_one_of(
            "data_format", data_format, ("channels_last", "channels_first")
        )

    def build(self, input_shape):
        validation.check_input_rank("SpatialPyramidPooling2D", "inputs",
                                    input_shape, (4,))

    def call(self, inputs):
        validation.check_floating_input("SpatialPyramidPooling2D", "inputs",
                                        inputs)
        return spatial_pyramid_pooling(
            inputs, self.bins, self.mode, self.data_format
        )

    def compute_output_shape(self, input_shape):
        channels = (
            input_shape[-1]
            if self.data_format == "channels_last"
            else input_shape[1]
        )
        length = None if channels is None else channels * sum(
            n * n for n in self.bins
        )
        return (input_shape[0], length)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "bins": list(self.bins),
                "mode": self.mode,
                "data_format": self.data_format,
            }
        )
        return config
