import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.parallel_shallow import parallel_shallow_block
from kerastricks.utils import validation


def _branch_initializers(initializer, num_branches):
    """One initializer per branch. A Keras initializer seeded with an int
    (or unseeded: it draws its int seed when created) returns the same
    values on every call, and identical branches would get identical
    gradients and stay one branch repeated; so each branch gets a copy
    seeded with the seed plus its index. Other initializers (seeded with a
    `SeedGenerator`, constants, plain functions) are called once per
    branch as they are."""
    seed = getattr(initializer, "seed", None)
    if not isinstance(seed, int) or not hasattr(initializer, "get_config"):
        return [initializer] * num_branches
    config = initializer.get_config()
    return [type(initializer).from_config({**config, "seed": seed + branch})
            for branch in range(num_branches)]


@kerastricks_export("kerastricks.layers.ParallelShallowBlock")
class ParallelShallowBlock(keras.layers.Layer):
    """The wide, parallel replacement of a stack of residual conv layers.

    A stack of `num_branches` residual layers, `x_k = x_(k-1) +
    F_k(x_(k-1))` with `F_k(x) = activation(conv_k(x))`, expands like a
    Taylor series into `x + sum_k F_k(x)` plus products of the F's.
    Bermeitinger et al. truncate the higher-order terms: the deep stack
    becomes one broad layer with all the stacked layers side by side on the
    same input, their outputs summed with the identity. It has exactly the
    parameters of the stack it replaces (one kernel and bias per branch)
    and one layer of depth; in their 6912 MNIST and CIFAR-10
    configurations it trained to losses equivalent to the deep stack's.

    ```python
    y = x + sum over k = 1..num_branches of activation(conv_k(x))
    # conv_k: Conv2D(channels, kernel_size, padding="same"), all K as one
    # convolution with num_branches * channels filters, summed in groups
    ```

    Args:
        num_branches: positive int, the number of residual layers replaced
            (the stack's depth).
        kernel_size: positive int, the convolutions' square kernel size.
            Defaults to `3`.
        activation: the branches' activation. Defaults to `"relu"`.
        kernel_initializer: initializer of the kernels. Defaults to
            `"glorot_uniform"` (Keras's `Conv2D`).
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: `(batch, height, width, channels)`; the output has the same
            shape (residual layers keep the dimension).

    Returns:
        A tensor of the shape of `inputs`.

    Example:

    >>> block = kerastricks.layers.ParallelShallowBlock(num_branches=3)
    >>> tuple(block(np.ones((2, 6, 6, 4), "float32")).shape)
    (2, 6, 6, 4)
    >>> block.count_params()  # 3 x Conv2D(4, 3): 3 * (3 * 3 * 4 * 4 + 4)
    444

    References:
        - [Bermeitinger et al., 2023](https://arxiv.org/abs/2309.08414),
          "Make Deep Networks Shallow Again".
    """

    def __init__(self, num_branches, kernel_size=3, activation="relu",
                 kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.num_branches = validation.check_positive_int("num_branches",
                                                          num_branches)
        self.kernel_size = validation.check_positive_int("kernel_size",
                                                         kernel_size)
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "ParallelShallowBlock", "inputs", input_shape, (4,))
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(
                "ParallelShallowBlock needs a known channel count of "
                f"`inputs`. Received: inputs of shape {input_shape}")
        # One Conv2D(channels) kernel per branch, concatenated on the
        # output axis; the initializer sees each branch's own fan-out.
        branch_shape = (self.kernel_size, self.kernel_size, channels,
                        channels)
        branch_initializers = _branch_initializers(self.kernel_initializer,
                                                   self.num_branches)

        def initializer(shape, dtype=None):
            return ops.concatenate(
                [branch_initializer(branch_shape, dtype=dtype)
                 for branch_initializer in branch_initializers], axis=-1)

        self.kernel = self.add_weight(
            name="kernel", initializer=initializer,
            shape=branch_shape[:3] + (self.num_branches * channels,))
        self.bias = self.add_weight(
            name="bias", shape=(self.num_branches * channels,),
            initializer="zeros")

    def call(self, inputs):
        validation.check_floating_input("ParallelShallowBlock", "inputs",
                                        inputs)
        return parallel_shallow_block(inputs, self.kernel, self.bias,
                                      self.num_branches, self.activation)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_branches": self.num_branches,
                "kernel_size": self.kernel_size,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer),
            }
        )
        return config
