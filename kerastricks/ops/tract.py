"""TrAct's kernel gradient for a first Dense or Conv2D layer ("TrAct: Making
First-layer Pre-Activations Trainable", Petersen, Borgelt and Ermon, NeurIPS
2024, arXiv 2410.23970)."""

import math

import keras
from keras import ops

from kerastricks.utils import validation


def tract_kernel_gradient(rows, upstream, lambda_=0.1):
    """TrAct's gradient of the kernel of `outputs = rows @ kernel`.

    `rows` `(b, d)` are the inputs of the linear map, one per row (a Dense
    layer's inputs flattened over the leading axes, a convolution's patches),
    and `upstream` `(b, m)` the gradient of the loss with respect to its
    outputs. The result has the Keras kernel layout `(d, m)`:

    ```python
    # b >= d: one d x d solve
    grad = solve(rows.T @ rows / b + lambda_ * I_d, rows.T @ upstream)
    # b < d: the same matrix by the push-through identity, one b x b solve
    grad = rows.T @ solve(rows @ rows.T / b + lambda_ * I_b, upstream)
    ```

    The branch is chosen from the static shapes (the d x d form when the row
    count is unknown at trace time). The arithmetic runs in float32 at least
    (float64 stays float64); the result is in that dtype.
    """
    validation.check_positive("lambda_", lambda_)
    rows = ops.convert_to_tensor(rows)
    upstream = ops.convert_to_tensor(upstream)
    if len(rows.shape) != 2 or len(upstream.shape) != 2:
        raise ValueError(
            "`rows` and `upstream` must be matrices (b, d) and (b, m). "
            f"Received: rows.shape={tuple(rows.shape)}, "
            f"upstream.shape={tuple(upstream.shape)}"
        )
    wide = _is_float64(rows) or _is_float64(upstream)
    dtype = "float64" if wide else "float32"
    rows = ops.cast(rows, dtype)
    upstream = ops.cast(upstream, dtype)
    num_rows, features = rows.shape
    count = ops.cast(ops.shape(rows)[0], dtype)
    # einsum rather than matmul: Keras's torch matmul returns float32 for
    # float64 operands.
    if num_rows is not None and num_rows < features:
        gram = ops.einsum("id,jd->ij", rows, rows) / count + lambda_ * (
            ops.eye(num_rows, dtype=dtype))
        return ops.einsum("nd,nm->dm", rows,
                          ops.linalg.solve(gram, upstream))
    gram = ops.einsum("nd,ne->de", rows, rows) / count + lambda_ * ops.eye(
        features, dtype=dtype)
    return ops.linalg.solve(gram, ops.einsum("nd,nm->dm", rows, upstream))


def conv2d_patches(inputs, kernel_size, strides=1, padding="valid",
                   dilation_rate=1):
    """The patches a Conv2D multiplies with its kernel (im2col).

    Maps channels-last `(B, H, W, C)` to `(B, H_out, W_out, kh * kw * C)`,
    ordered `(kh, kw, C)` like a Keras Conv2D kernel reshaped to
    `(kh * kw * C, filters)`, so `patches @ kernel.reshape(-1, filters)` is
    the convolution. `padding="same"` pads like Keras (the odd pixel at the
    end). Built from strided slices of the padded input: exact on every
    device, and only copies (a convolution with an identity kernel, as in
    `keras.ops.image.extract_patches`, costs `(kh * kw * C)**2` products
    per patch and rounds under TF32). That op, which gives the same patches,
    is the fallback when the spatial size is unknown at trace time.
    """
    kernel_h, kernel_w = _pair("kernel_size", kernel_size)
    stride_h, stride_w = _pair("strides", strides)
    dilation_h, dilation_w = _pair("dilation_rate", dilation_rate)
    validation.check_one_of("padding", padding, ("valid", "same"))
    if not isinstance(inputs, keras.KerasTensor):
        inputs = ops.convert_to_tensor(inputs)
    if len(inputs.shape) != 4:
        raise ValueError(
            "`inputs` must be a channels-last batch (B, H, W, C). "
            f"Received: inputs.shape={tuple(inputs.shape)}"
        )
    height, width, channels = inputs.shape[1:]
    if height is None or width is None:
        return ops.image.extract_patches(
            inputs, (kernel_h, kernel_w), strides=(stride_h, stride_w),
            dilation_rate=(dilation_h, dilation_w), padding=padding,
            data_format="channels_last",
        )
    out_h, pad_h = _output_size_and_padding(
        height, kernel_h, stride_h, dilation_h, padding)
    out_w, pad_w = _output_size_and_padding(
        width, kernel_w, stride_w, dilation_w, padding)
    if out_h <= 0 or out_w <= 0:
        raise ValueError(
            "The dilated kernel is larger than the input with "
            f"padding='valid'. Received: inputs.shape={tuple(inputs.shape)}, "
            f"kernel_size={(kernel_h, kernel_w)}, "
            f"dilation_rate={(dilation_h, dilation_w)}"
        )
    if pad_h != (0, 0) or pad_w != (0, 0):
        inputs = ops.pad(inputs, ((0, 0), pad_h, pad_w, (0, 0)))
    span_h = (out_h - 1) * stride_h + 1
    span_w = (out_w - 1) * stride_w + 1
    taps = [
        inputs[:, i * dilation_h:i * dilation_h + span_h:stride_h,
               j * dilation_w:j * dilation_w + span_w:stride_w, :]
        for i in range(kernel_h)
        for j in range(kernel_w)
    ]
    patches = ops.stack(taps, axis=3)
    return ops.reshape(
        patches, (-1, out_h, out_w, kernel_h * kernel_w * channels))


def tract_dense(inputs, kernel, lambda_=0.1):
    """`inputs @ kernel`, with TrAct's kernel gradient.

    The value and the gradient with respect to `inputs` are the ordinary
    ones; the gradient with respect to `kernel` `(d, m)` is
    `tract_kernel_gradient` of the inputs flattened to rows `(b, d)` (b
    counts every leading position, e.g. tokens) and the upstream gradient.
    """
    validation.check_positive("lambda_", lambda_)
    inputs = ops.convert_to_tensor(inputs)
    kernel = ops.convert_to_tensor(kernel)
    outputs = ops.matmul(inputs, ops.stop_gradient(kernel))

    def rows_and_upstream(inputs, upstream):
        return (ops.reshape(inputs, (-1, kernel.shape[0])),
                ops.reshape(upstream, (-1, kernel.shape[1])))

    return _with_tract_kernel_gradient(
        outputs, kernel, inputs, rows_and_upstream, lambda_)


def tract_conv2d(inputs, kernel, strides=1, padding="valid",
                 dilation_rate=1, data_format="channels_last", lambda_=0.1):
    """`keras.ops.conv` in 2-D, with TrAct's kernel gradient.

    The value and the gradient with respect to `inputs` are the ordinary
    ones; the gradient with respect to `kernel` `(kh, kw, C, filters)` is
    `tract_kernel_gradient` of the patches (`conv2d_patches`, one row per
    output pixel, N = B * H_out * W_out rows, so the Gram matrix averages
    over patches) and the upstream gradient, reshaped to the kernel.
    """
    validation.check_positive("lambda_", lambda_)
    validation.check_one_of("data_format", data_format,
                            ("channels_last", "channels_first"))
    inputs = ops.convert_to_tensor(inputs)
    kernel = ops.convert_to_tensor(kernel)
    if len(kernel.shape) != 4:
        raise ValueError(
            "`kernel` must be a Conv2D kernel (kh, kw, C, filters). "
            f"Received: kernel.shape={tuple(kernel.shape)}"
        )
    outputs = ops.conv(
        inputs, ops.stop_gradient(kernel), strides=strides, padding=padding,
        dilation_rate=dilation_rate, data_format=data_format,
    )
    features = math.prod(kernel.shape[:3])

    def rows_and_upstream(inputs, upstream):
        if data_format == "channels_first":
            inputs = ops.transpose(inputs, (0, 2, 3, 1))
            upstream = ops.transpose(upstream, (0, 2, 3, 1))
        patches = conv2d_patches(inputs, kernel.shape[:2], strides, padding,
                                 dilation_rate)
        return (ops.reshape(patches, (-1, features)),
                ops.reshape(upstream, (-1, kernel.shape[3])))

    return _with_tract_kernel_gradient(
        outputs, kernel, inputs, rows_and_upstream, lambda_)


def _with_tract_kernel_gradient(outputs, kernel, inputs, rows_and_upstream,
                                lambda_):
    """Returns `outputs` (computed from a stop-gradient kernel) as it is; on
    the way back the upstream gradient passes on to `outputs` unchanged (so
    the input gradient is the ordinary one) and `kernel` receives TrAct's.

    `inputs` enters as an explicit, stop-gradient argument rather than a
    closure, because JAX cannot differentiate a custom gradient that closes
    over traced values."""

    @ops.custom_gradient
    def tract_identity(kernel, inputs, outputs):
        def grad(*args, upstream=None):
            if upstream is None:  # TensorFlow and JAX pass it positionally.
                (upstream,) = args
            rows, upstream_rows = rows_and_upstream(inputs, upstream)
            kernel_gradient = tract_kernel_gradient(
                rows, upstream_rows, lambda_)
            kernel_gradient = ops.cast(
                ops.reshape(kernel_gradient, kernel.shape), kernel.dtype)
            return kernel_gradient, ops.zeros_like(inputs), upstream

        return outputs, grad

    return tract_identity(kernel, ops.stop_gradient(inputs), outputs)


def _is_float64(x):
    return keras.backend.standardize_dtype(x.dtype) == "float64"


def _pair(name, value):
    values = (value, value) if isinstance(value, int) else tuple(value)
    if len(values) != 2:
        raise ValueError(
            f"Argument `{name}` must be an int or a pair of ints. "
            f"Received: {name}={value!r}"
        )
    return tuple(validation.check_positive_int(name, v) for v in values)


def _output_size_and_padding(size, kernel, stride, dilation, padding):
    """Output length and (before, after) padding of one spatial axis, with
    Keras's (TensorFlow's) rule for "same"."""
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        return (size - span) // stride + 1, (0, 0)
    out = -(-size // stride)
    total = max((out - 1) * stride + span - size, 0)
    return out, (total // 2, total - total // 2)
