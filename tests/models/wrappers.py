"""Shared pieces of the model-wrapper tests (SAM, SAF, MESA)."""

import os

import keras
import numpy as np
from keras import ops

from kerastricks.testing import dtype_policy
from kerastricks.testing import problems

KINDS = ("sequential", "functional", "subclassed")


def cross_entropy():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def blobs(num_examples=16):
    return problems.blobs(num_examples=num_examples, features=4, classes=3)


@keras.saving.register_keras_serializable(package="kerastricks_tests")
class SubclassedMLP(keras.Model):
    """Dense -> BatchNorm -> ReLU -> Dense, written as a subclass."""

    def __init__(self, hidden=8, classes=3, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.classes = classes
        self.dense = keras.layers.Dense(
            hidden, use_bias=False,
            kernel_initializer=keras.initializers.GlorotUniform(seed=0))
        self.norm = keras.layers.BatchNormalization()
        self.head = keras.layers.Dense(
            classes, kernel_initializer=keras.initializers.GlorotUniform(
                seed=1))

    def call(self, inputs, training=None):
        hidden = self.norm(self.dense(inputs), training=training)
        return self.head(ops.relu(hidden))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden,
                "classes": self.classes}


def make_model(kind="sequential"):
    """A tiny classifier with BatchNorm: 4 features -> 3 logits."""
    if kind == "sequential":
        return problems.mlp(outputs=3, normalization=True)
    if kind == "functional":
        inputs = keras.Input((4,))
        sequential = problems.mlp(outputs=3, normalization=True)
        return keras.Model(inputs, sequential(inputs))
    return SubclassedMLP()


@keras.saving.register_keras_serializable(package="kerastricks_tests")
class CountingModel(keras.Model):
    """Counts its forward calls and the backward passes through its output
    (run eagerly, so each step is counted once)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(3)
        self.forward_calls = 0
        self.backward_calls = 0

    def call(self, inputs, training=None):
        self.forward_calls += 1
        model = self

        @ops.custom_gradient
        def probe(outputs):
            def grad(*args, upstream=None):
                model.backward_calls += 1
                return args[0] if upstream is None else upstream

            return outputs, grad

        return probe(self.dense(inputs))


def passes_per_step(make_wrapper, test):
    """(forward calls, backward passes) of the inner model per train step."""
    x, y = blobs(8)
    inner = CountingModel()
    model = make_wrapper(inner)
    model.compile(optimizer="sgd", loss=cross_entropy(), run_eagerly=True)
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    forward, backward = inner.forward_calls, inner.backward_calls
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    steps = 4
    return ((inner.forward_calls - forward) / steps,
            (inner.backward_calls - backward) / steps)


def fit_weights(model, x, y, epochs=3, batch_size=8, optimizer=None,
                **fit_kwargs):
    """Compiles with SGD + momentum, fits without shuffling, returns the
    weights (float64 NumPy)."""
    model.compile(
        optimizer=optimizer or keras.optimizers.SGD(0.1, momentum=0.9),
        loss=cross_entropy(), metrics=["accuracy"],
        jit_compile=fit_kwargs.pop("jit_compile", "auto"))
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False,
              verbose=0, **fit_kwargs)
    return [np.asarray(w, "float64") for w in model.inner.get_weights()]


def fit_with_trajectory_logs(test, wrapper, epochs):
    """SAF/MESA with sample weights, metrics and validation data: the
    trajectory loss is logged for training and validation, is 0 in the
    first epoch and positive in the last. Returns the training data."""
    x, y = blobs()
    wrapper.compile(optimizer="adam", loss=cross_entropy(),
                    metrics=["accuracy"])
    history = wrapper.fit(x, y, sample_weight=np.linspace(0, 2, len(x)),
                          validation_data=(x, y), epochs=epochs,
                          batch_size=8, verbose=0)
    test.assertEqual(
        sorted(history.history),
        ["accuracy", "loss", "trajectory_loss", "val_accuracy",
         "val_loss", "val_trajectory_loss"])
    test.assertEqual(history.history["trajectory_loss"][0], 0.0)
    test.assertGreater(history.history["trajectory_loss"][-1], 0.0)
    return x, y


def check_equals_plain_training(test, make_wrapper, tolerance=0.0,
                                sample_weight=None):
    """`make_wrapper(model)` with its technique switched off trains to the
    weights of the plain model, within `tolerance`."""
    x, y = blobs()
    keras.utils.set_random_seed(0)
    plain = make_model()
    plain.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss=cross_entropy())
    plain.fit(x, y, sample_weight=sample_weight, epochs=3, batch_size=8,
              shuffle=False, verbose=0)
    keras.utils.set_random_seed(0)
    weights = fit_weights(make_wrapper(make_model()), x, y,
                          sample_weight=sample_weight)
    test.assertAllClose(weights, plain.get_weights(), atol=tolerance,
                        rtol=tolerance)


def check_trajectory_jit(test, make_wrapper, epochs):
    """SAF/MESA under XLA (JAX, TensorFlow): finite losses and an active
    trajectory term. Returns the trained wrapper. Skipped on torch, where
    torch.compile costs ~40 s a model on CPU; these wrappers train with
    Keras's own step, compiled in tests/models/sam_test.py."""
    if keras.config.backend() == "torch":
        test.skipTest("torch.compile costs ~40 s per model on CPU; the "
                      "step is compiled in sam_test.py::test_jit_compile")
    x, y = blobs()
    wrapper = make_wrapper(make_model())
    wrapper.compile(optimizer="adam", loss=cross_entropy(), jit_compile=True)
    history = wrapper.fit(x, y, epochs=epochs, batch_size=8, verbose=0)
    test.assertTrue(wrapper.jit_compile)
    test.assertAllFinite(history.history["loss"])
    test.assertGreater(history.history["trajectory_loss"][-1], 0.0)
    return wrapper


def check_mixed_precision(test, make_wrapper):
    """Trains under mixed_bfloat16: finite loss, float32 variables,
    bfloat16 compute."""
    x, y = blobs()
    with dtype_policy("mixed_bfloat16"):
        model = make_wrapper(make_model())
        # torch.compile costs ~40 s on CPU; test_jit_compile covers it.
        model.compile(optimizer="adam", loss=cross_entropy(),
                      jit_compile=keras.config.backend() != "torch")
        history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    test.assertAllFinite(history.history["loss"])
    for variable in model.inner.weights:
        test.assertEqual(variable.dtype, "float32")
    test.assertEqual(model.inner.layers[0].compute_dtype, "bfloat16")


def check_distribution(test, make_wrapper, epochs=3):
    """JAX only: DataParallel over the virtual CPUs gives the weights of
    one device."""
    x, y = blobs()

    def train():
        keras.utils.set_random_seed(0)
        return fit_weights(make_wrapper(make_model()), x, y, epochs=epochs)

    test.assert_data_parallel_matches_one_device(train)


def check_resumption(test, make_wrapper, first=2, second=2):
    """N epochs, save, load, M epochs == N + M epochs (optimizer state,
    BatchNorm statistics and the wrapper's own state all resume)."""
    x, y = blobs()

    def compiled():
        keras.utils.set_random_seed(0)
        model = make_wrapper(make_model())
        model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                      loss=cross_entropy(), metrics=["accuracy"])
        return model

    # The saved model goes on training beside its loaded copy: going on is
    # the uninterrupted run.
    model = compiled()
    model.fit(x, y, epochs=first, batch_size=8, shuffle=False, verbose=0)
    path = os.path.join(test.make_temp_dir(), "wrapper.keras")
    model.save(path)
    resumed = keras.saving.load_model(path)
    test.assertIsInstance(resumed, type(model))
    for trained in (model, resumed):
        trained.fit(x, y, initial_epoch=first, epochs=first + second,
                    batch_size=8, shuffle=False, verbose=0)
    test.assertAllClose(resumed.get_weights(), model.get_weights(),
                        atol=1e-6, rtol=1e-6)


def check_refuses_probability_outputs(test, wrapper_cls):
    """The trajectory loss softens logits: probability outputs are refused,
    logits (and log-probabilities) are accepted."""

    def dense_head(activation):
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
                                 keras.layers.Dense(3, activation=activation)])

    inputs = keras.Input((4,))
    softmax_layer = keras.Model(
        inputs, keras.layers.Softmax()(keras.layers.Dense(3)(inputs)))
    nested = keras.Sequential([keras.Input((4,)), dense_head("softmax")])
    for model, layer in ((dense_head("softmax"), "activation='softmax'"),
                         (dense_head("sigmoid"), "activation='sigmoid'"),
                         (dense_head(keras.activations.softmax),
                          "activation='softmax'"),
                         (softmax_layer, "a Softmax layer"),
                         (nested, "activation='softmax'")):
        with test.assertRaisesRegex(ValueError, f"outputs logits.*{layer}"):
            wrapper_cls(model)
    for activation in (None, "log_softmax"):
        wrapper_cls(dense_head(activation))
    wrapper_cls(make_model("functional"))
    wrapper_cls(make_model("subclassed"))
