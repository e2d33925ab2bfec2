import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.frame_averaging import GROUPS
from kerastricks.ops.frame_averaging import pca_frames
from kerastricks.utils import validation

MODES = ("invariant", "equivariant")


@kerastricks_export("kerastricks.layers.FrameAveraging")
class FrameAveraging(keras.layers.Wrapper):
    """Averages a point-cloud encoder over PCA frames for exact symmetry.

    Frame averaging symmetrizes a backbone without changing its
    architecture: instead of averaging over the whole (infinite) group of
    rotations, reflections and translations, it averages over a small
    input-dependent set of group elements, the frame. For a point cloud the
    frame comes from PCA: the centroid and the covariance eigenvectors with
    every choice of their signs (8 elements in 3-D for O(3), 4 for SO(3)).
    The encoder runs once per frame element on the cloud expressed in that
    element's coordinates; the average is exactly invariant (or, mapping
    vector outputs back, equivariant), and the backbone keeps its
    expressive power.

    ```python
    t, {R_f} = pca_frames(X)            # centroid, V diag(s) per sign s
    invariant:   out = mean_f encoder((X - t) R_f)
    equivariant: out = mean_f encoder((X - t) R_f) R_f^T
    ```

    For `"equivariant"` the encoder returns vectors of the input's
    dimension on its last axis (normals, forces, displacements, per point or
    per cloud), which rotate with the input and ignore its translation. The
    frame is ill-defined where the covariance has repeated eigenvalues (a
    sphere, a regular polygon): there the output stays exactly invariant
    only up to how the eigensolver breaks the tie, and the gradient through
    the eigenvectors is unbounded.

    Args:
        layer: a Keras layer or model taking `(batch, points, d)` floating
            point clouds (any encoder: PointNet, a DeepSets MLP, ...).
        mode: `"invariant"` (the encoder's outputs are averaged as they
            are) or `"equivariant"` (its last axis, of size d, is rotated
            back from each frame). Defaults to `"invariant"`.
        group: `"O(d)"` (rotations and reflections, 2^d frames, the paper's
            E(d) setting) or `"SO(d)"` (rotations only, 2^(d-1) frames, the
            paper's SE(d) setting). Defaults to `"O(d)"`.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: point clouds `(batch, points, d)`.

    Returns:
        The frame-averaged output of `layer`, of its output's shape.

    Example:

    >>> encoder = keras.Sequential([keras.Input((16, 3)),
    ...                             keras.layers.Dense(8, activation="relu"),
    ...                             keras.layers.GlobalMaxPooling1D()])
    >>> invariant = kerastricks.layers.FrameAveraging(encoder)
    >>> x = np.random.rand(2, 16, 3).astype("float32")
    >>> tuple(invariant(x).shape)
    (2, 8)

    References:
        - [Puny et al., 2022](https://arxiv.org/abs/2110.03336), "Frame
          Averaging for Invariant and Equivariant Network Design", ICLR 2022.
    """

    def __init__(self, layer, mode="invariant", group="O(d)", **kwargs):
        super().__init__(layer, **kwargs)
        if not isinstance(layer, keras.layers.Layer):
            raise TypeError(
                "Argument `layer` must be a keras Layer or Model (the point "
                f"cloud encoder). Received: layer of type "
                f"{type(layer).__name__}")
        self.mode = validation.check_one_of("mode", mode, MODES)
        self.group = validation.check_one_of("group", group, GROUPS)

    def build(self, input_shape):
        input_shape = validation.check_input_rank(
            "FrameAveraging", "inputs", input_shape, (3,))
        if input_shape[-1] is None:
            raise ValueError(
                "FrameAveraging needs the coordinate axis of `inputs` known "
                f"when it builds. Received: inputs of shape {input_shape}")
        if not self.layer.built:
            self.layer.build(input_shape)
        if self.mode == "equivariant":
            output_shape = tuple(self.layer.compute_output_shape(
                input_shape))
            if output_shape[-1] != input_shape[-1]:
                raise ValueError(
                    "FrameAveraging(mode='equivariant') needs an encoder "
                    "whose outputs are vectors of the input's dimension "
                    f"(last axis {input_shape[-1]}). Received: encoder "
                    f"output of shape {output_shape}")
        self.built = True

    def call(self, inputs):
        validation.check_floating_input("FrameAveraging", "inputs", inputs)
        centroid, rotations = pca_frames(inputs, self.group)
        frames = rotations.shape[1]
        points = ops.cast(inputs, centroid.dtype) - centroid
        # (batch, frames, points, d) -> one encoder call on all frames.
        canonical = ops.einsum("bnd,bfde->bfne", points, rotations)
        canonical = ops.reshape(canonical,
                                (-1,) + tuple(canonical.shape[2:]))
        outputs = self.layer(ops.cast(canonical, self.compute_dtype))
        outputs = ops.reshape(outputs, (-1, frames) + tuple(
            outputs.shape[1:]))
        if self.mode == "equivariant":
            outputs = ops.cast(outputs, rotations.dtype)
            # Row vectors back to the input's coordinates: v R_f^T.
            flat = ops.reshape(outputs, (ops.shape(outputs)[0], frames, -1,
                                         outputs.shape[-1]))
            flat = ops.einsum("bfke,bfde->bfkd", flat, rotations)
            outputs = ops.reshape(flat, ops.shape(outputs))
        return ops.cast(ops.mean(outputs, axis=1), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode, "group": self.group})
        return config
