import keras

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.attentional_set_pooling import attentional_set_pooling
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.AttentionalSetPooling")
class AttentionalSetPooling(keras.layers.Layer):
    """Pools a set of feature vectors with learned per-feature attention.

    AttSets aggregates a set of any size (the features of several views of
    an object, the points of a cloud, the members of a bag) into one vector
    that does not depend on the elements' order. A shared dense layer gives
    every feature of every element an attention activation; a softmax over
    the set axis turns them into weights, one distribution per feature, and
    the output is the weighted sum. Unlike max or mean pooling, each feature
    learns which elements to listen to; unlike a recurrent unit, the result
    is permutation invariant, and it takes sets of any size, padded sets
    included (Keras masking or the `mask` argument).

    ```python
    c = x @ kernel                       # (batch, set, features): g(x, W)
    s = softmax(c, axis=set)             # kept elements only
    y = sum over set of s * x            # (batch, features)
    ```

    The paper's attention activation g is a fully connected layer without
    nonlinearity; a bias would add the same value to every element's score
    of a feature, which the softmax over the set removes, so there is none.

    Args:
        kernel_initializer: initializer of the `(features, features)`
            kernel W. Defaults to `"glorot_uniform"`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: a set `(batch, set_size, features)`; `set_size` may be
            unknown.
        mask: optional bool `(batch, set_size)`, False for padding (given
            automatically after a masking layer).

    Returns:
        A tensor `(batch, features)`.

    Example:

    >>> views = keras.Input((None, 8))     # any number of views
    >>> pooled = kerastricks.layers.AttentionalSetPooling()(views)
    >>> model = keras.Model(views, keras.layers.Dense(2)(pooled))
    >>> tuple(model(np.ones((3, 5, 8), "float32")).shape)
    (3, 2)

    References:
        - [Yang et al., 2018](https://arxiv.org/abs/1808.00758), "Robust
          Attentional Aggregation of Deep Feature Sets for Multi-view 3D
          Reconstruction", IJCV 2020.
    """

    def __init__(self, kernel_initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "AttentionalSetPooling", "inputs", input_shape, (3,))
        features = input_shape[-1]
        if features is None:
            raise ValueError(
                "AttentionalSetPooling needs the feature axis of `inputs` "
                f"known when it builds. Received: inputs of shape "
                f"{input_shape}")
        self.kernel = self.add_weight(
            name="kernel", shape=(features, features),
            initializer=self.kernel_initializer)

    def call(self, inputs, mask=None):
        validation.check_floating_input("AttentionalSetPooling", "inputs",
                                        inputs)
        if mask is not None:
            expected = tuple(inputs.shape[:2])
            if len(mask.shape) != 2 or any(
                    a is not None and b is not None and a != b
                    for a, b in zip(tuple(mask.shape), expected)):
                raise ValueError(
                    "AttentionalSetPooling needs `mask` of shape (batch, "
                    f"set_size) = {expected}. Received: mask of shape "
                    f"{tuple(mask.shape)}")
        scores = keras.ops.matmul(inputs, keras.ops.cast(
            self.kernel, inputs.dtype))
        return attentional_set_pooling(inputs, scores, mask)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config["kernel_initializer"] = keras.initializers.serialize(
            self.kernel_initializer)
        return config
