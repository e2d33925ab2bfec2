"""What `BinaryDense` and `BinaryConv2D` share: the estimator arguments, the
latent kernel's scaling factor and the binarization of kernel and inputs."""

import keras
from keras import ops

from kerastricks.ops import binary_estimators
from kerastricks.utils import validation

KERNEL_SCALES = ("channel", "tensor", "learned")
# The activation estimator each weight estimator's paper uses.
PAPER_ACTIVATION_ESTIMATORS = {"ste": "ste", "reste": "reste",
                               "biper": "approx_sign",
                               "approx_sign": "approx_sign"}
ROOT_DEGREE_NAME = "reste_root_degree"


class BinaryLayer(keras.layers.Layer):
    """Base of the binary layers; subclasses build `self.kernel` (output
    channels last) and implement `_linear(inputs, kernel)`."""

    def __init__(self, estimator="ste", binary_activations=True,
                 activation_estimator=None, kernel_scale="channel",
                 threshold=None, root_degree=1.0, omega=20.0,
                 activation=None, use_bias=False,
                 kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, **kwargs):
        super().__init__(**kwargs)
        estimators = binary_estimators.ESTIMATORS
        self.estimator = validation.check_one_of("estimator", estimator,
                                                 estimators)
        self.binary_activations = validation.check_bool(
            "binary_activations", binary_activations)
        if activation_estimator is not None:
            validation.check_one_of(
                "activation_estimator", activation_estimator,
                binary_estimators.ACTIVATION_ESTIMATORS)
        self.activation_estimator = activation_estimator
        if kernel_scale is not None and kernel_scale not in KERNEL_SCALES:
            raise ValueError(
                f"Argument `kernel_scale` must be one of {KERNEL_SCALES!r} "
                f"or None. Received: kernel_scale={kernel_scale!r}")
        self.kernel_scale = kernel_scale
        if threshold is not None:
            validation.check_positive("threshold", threshold)
        self.threshold = threshold
        self.root_degree = validation.check_positive("root_degree",
                                                     root_degree)
        self.omega = validation.check_positive("omega", omega)
        self.activation = keras.activations.get(activation)
        self.use_bias = validation.check_bool("use_bias", use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.kernel_constraint = keras.constraints.get(kernel_constraint)

    @property
    def input_estimator(self):
        """The estimator that binarizes the inputs (`None`: real inputs)."""
        if not self.binary_activations:
            return None
        return (self.activation_estimator
                or PAPER_ACTIVATION_ESTIMATORS[self.estimator])

    @property
    def uses_reste(self):
        return "reste" in (self.estimator, self.input_estimator)

    def _build_weights(self, kernel_shape, channels):
        self.kernel = self.add_weight(
            name="kernel", shape=kernel_shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.scale = None
        if self.kernel_scale == "learned":
            # Starts at XNOR-Net's per-channel mean |w| of the initial
            # kernel: the first forward pass is the "channel" one, at a
            # magnitude the next layers expect (a factor of 1 makes each
            # output a sum of fan-in terms of size 1).
            kernel = self.kernel
            axes = tuple(range(len(kernel_shape) - 1))

            def channel_mean(shape, dtype=None):
                return ops.cast(ops.mean(ops.abs(kernel.value), axis=axes),
                                dtype or "float32")

            self.scale = self.add_weight(name="scale", shape=(channels,),
                                         initializer=channel_mean)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(channels,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer)
        self.reste_root_degree = None
        if self.uses_reste:
            # Moved by ReSTESchedule; float32 even under mixed precision, so
            # that o keeps its digits.
            self.reste_root_degree = self.add_weight(
                name=ROOT_DEGREE_NAME, shape=(),
                initializer=keras.initializers.Constant(self.root_degree),
                trainable=False, autocast=False)

    def binary_kernel(self):
        """The kernel the layer multiplies with: its binarized latent
        weights times the scaling factor."""
        kernel = ops.convert_to_tensor(self.kernel)
        binary = self._binarize(kernel, self.estimator)
        if self.kernel_scale == "channel":
            axes = tuple(range(len(kernel.shape) - 1))
            binary = binary * ops.mean(ops.abs(kernel), axis=axes)
        elif self.kernel_scale == "tensor":
            binary = binary * ops.mean(ops.abs(kernel))
        elif self.kernel_scale == "learned":
            binary = binary * ops.cast(self.scale, binary.dtype)
        return binary

    def _binarize(self, x, estimator):
        root_degree = self.root_degree
        if self.reste_root_degree is not None:
            root_degree = ops.convert_to_tensor(self.reste_root_degree)
        return binary_estimators.binarize(
            x, estimator, threshold=self.threshold, root_degree=root_degree,
            omega=self.omega)

    def call(self, inputs):
        inputs = validation.check_floating_input(type(self).__name__,
                                                 "inputs", inputs)
        if self.input_estimator is not None:
            inputs = self._binarize(inputs, self.input_estimator)
        outputs = self._linear(inputs, self.binary_kernel())
        if self.bias is not None:
            outputs = self._add_bias(outputs, self.bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def _add_bias(self, outputs, bias):
        return ops.add(outputs, bias)

    def get_config(self):
        config = super().get_config()
        config.update({
            "estimator": self.estimator,
            "binary_activations": self.binary_activations,
            "activation_estimator": self.activation_estimator,
            "kernel_scale": self.kernel_scale,
            "threshold": self.threshold,
            "root_degree": self.root_degree,
            "omega": self.omega,
            "activation": keras.activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": keras.initializers.serialize(
                self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(
                self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(
                self.kernel_regularizer),
            "bias_regularizer": keras.regularizers.serialize(
                self.bias_regularizer),
            "kernel_constraint": keras.constraints.serialize(
                self.kernel_constraint),
        })
        return config

