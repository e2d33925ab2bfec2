import inspect

import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.backend import compiled_functions
from kerastricks.callbacks._probe_curves import ProbeCurves
from kerastricks.callbacks._probe_curves import check_probe_inputs
from kerastricks.callbacks._probe_curves import serialize_probe
from kerastricks.layers.qk_norm_multi_head_attention import (
    QKNormMultiHeadAttention,
)
from kerastricks.ops.training_instability import attention_logits
from kerastricks.ops.training_instability import max_abs_attention_logit
from kerastricks.ops.training_instability import mean_log_partition
from kerastricks.utils import validation

_ATTENTION_LAYERS = (keras.layers.MultiHeadAttention,
                     QKNormMultiHeadAttention)


def _to_float(scalar):
    # Through NumPy: a torch tensor of the probe pass still carries its
    # autograd graph.
    return float(ops.convert_to_numpy(scalar))


def _attention_layers(model):
    """The attention layers of `model`, nested models included, in order."""
    found = []
    for layer in model.layers:
        if isinstance(layer, _ATTENTION_LAYERS):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found.extend(_attention_layers(layer))
    return found


def _logits_of_call(layer, arguments):
    """The attention logits and the allowed-pairs mask of one call of
    `layer`, recomputed from its own projections."""
    query, value = arguments["query"], arguments["value"]
    key = arguments.get("key")
    key = value if key is None else key
    for name, tensor in (("query", query), ("key", key)):
        if len(tensor.shape) != 3:
            raise ValueError(
                "InstabilityMonitor measures attention over one sequence "
                "axis: inputs (batch, length, features). Received: "
                f"{name} of shape {tuple(tensor.shape)} in layer "
                f"{layer.name!r}"
            )
    if isinstance(layer, QKNormMultiHeadAttention):
        logits = layer.attention_logits(query, key)
    else:
        logits = attention_logits(layer.query_dense(query),
                                  layer.key_dense(key))
    # keras.layers.MultiHeadAttention's rule: the explicit mask, the
    # Keras masks of query and value (key), and the causal mask.
    target, source = query.shape[1], key.shape[1]
    mask = ops.ones((1, target, source), "bool")
    if arguments.get("attention_mask") is not None:
        mask = ops.logical_and(
            mask, ops.cast(arguments["attention_mask"], "bool"))
    if arguments.get("query_mask") is not None:
        mask = ops.logical_and(
            mask, ops.cast(arguments["query_mask"], "bool")[:, :, None])
    key_mask = arguments.get("key_mask")
    if key_mask is None:
        key_mask = arguments.get("value_mask")
    if key_mask is not None:
        mask = ops.logical_and(mask, ops.cast(key_mask, "bool")[:, None, :])
    if arguments.get("use_causal_mask"):
        mask = ops.logical_and(
            mask, ops.tril(ops.ones((target, source), "bool"))[None])
    return logits, mask[:, None, :, :]


@kerastricks_export("kerastricks.callbacks.InstabilityMonitor")
class InstabilityMonitor(ProbeCurves):
    """Records attention-logit growth and output-logit divergence per layer.

    "Small-scale proxies for large-scale Transformer training
    instabilities" reproduces, in small Transformers trained at high
    learning rates, two instabilities of large runs: the attention logits
    `z_ij = <q_i, k_j> / sqrt(d_h)` grow without bound, so the attention
    softmax collapses to one-hot (qk-layernorm,
    `kerastricks.layers.QKNormMultiHeadAttention`, prevents it), and the
    output logits drift away from log-probabilities, `log Z` becoming very
    negative (the z-loss, `kerastricks.losses.LogitZLoss`, prevents it).
    Both show in these numbers well before the loss diverges. Every
    `frequency` epochs or steps, this callback runs the model in inference
    mode on a fixed probe batch and logs, for every
    `keras.layers.MultiHeadAttention` and
    `kerastricks.layers.QKNormMultiHeadAttention` in the model (nested
    models included), the largest `|z_ij|` over the pairs its softmax uses,
    and the mean `log Z` of the model's output logits.

    ```python
    every `frequency` epochs (or steps):
        outputs = model(x_probe, training=False)
        for each attention layer, from the query and key of its call:
            z = (W_q x_q) (W_k x_k)^T / sqrt(key_dim)   # per head, after
                                                         # qk-layernorm
            max_attention_logit/<layer> = max |z| over unmasked pairs
        output_log_z = mean over positions of logsumexp(outputs)
    ```

    The logits are recomputed from the layer's own query and key
    projections on the inputs of its call during that probe pass (the
    callback wraps the layer's `call` for the pass, then restores it), so
    nothing is added to the training step: it works on every backend,
    with or without `jit_compile`, and for Keras's own attention layer.
    Logs keys `max_attention_logit/<layer name>` and `output_log_z`
    (epoch logs, and batch logs when `unit="step"`); `history` keeps the
    curves and `plot(path)` draws them.

    Args:
        probe_inputs: array (or dict of arrays, for named inputs) of model
            inputs, a fixed batch the measurements are taken on.
        frequency: positive int, measure every this many epochs or steps.
            Defaults to `1`.
        unit: `"epoch"` or `"step"`, what `frequency` counts. Defaults to
            `"epoch"`.
        measure_output_log_z: bool, also log `output_log_z` (the model
            must output logits, classes last). Defaults to `True`.
        plot_path: str or `None`, write the PNG of the curves there at the
            end of training. Defaults to `None`.

    Example:

    >>> inputs = keras.Input((6, 8))
    >>> x = keras.layers.MultiHeadAttention(2, 4, name="attention")(
    ...     inputs, inputs, use_causal_mask=True)
    >>> model = keras.Model(inputs, keras.layers.Dense(5)(x))
    >>> model.compile(optimizer="adam", loss=keras.losses.
    ...               SparseCategoricalCrossentropy(from_logits=True))
    >>> x = np.random.default_rng(0).normal(size=(4, 6, 8)).astype("float32")
    >>> y = np.zeros((4, 6), "int32")
    >>> monitor = kerastricks.callbacks.InstabilityMonitor(x)
    >>> history = model.fit(x, y, epochs=2, verbose=0, callbacks=[monitor])
    >>> sorted(key for key in history.history if key != "loss")
    ['max_attention_logit/attention', 'output_log_z']

    References:
        - [Wortsman et al., 2023](https://arxiv.org/abs/2309.14322),
          "Small-scale proxies for large-scale Transformer training
          instabilities", ICLR 2024.
    """

    def __init__(self, probe_inputs, frequency=1, unit="epoch",
                 measure_output_log_z=True, plot_path=None):
        super().__init__(frequency, unit, plot_path)
        self.probe_inputs = check_probe_inputs("probe_inputs", probe_inputs)
        self.measure_output_log_z = validation.check_bool(
            "measure_output_log_z", measure_output_log_z)

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.measure_output_log_z:
            validation.check_logit_outputs("model", self.model,
                                           "InstabilityMonitor")
        if not self.measure_output_log_z and not _attention_layers(
                self.model):
            raise ValueError(
                "InstabilityMonitor has nothing to measure: the model has "
                "no keras.layers.MultiHeadAttention or "
                "QKNormMultiHeadAttention layer and "
                "measure_output_log_z=False."
            )

    def set_model(self, model):
        super().set_model(model)
        self._compiled_probe = None

    def _probe_fn(self):
        """A pure function `(variable values, x) -> measurements`, compiled
        once (one XLA program on JAX instead of one per eager op)."""
        model = self.model
        variables = (list(model.trainable_variables)
                     + list(model.non_trainable_variables))
        layers = _attention_layers(model)
        names = [layer.name for layer in layers]
        # Two nested models may reuse a layer name.
        keys = [name if names.count(name) == 1 else f"{name}_{index}"
                for index, name in enumerate(names)]

        def recorder(layer, original, key, maxima):
            signature = inspect.signature(original)

            def call(*args, **kwargs):
                arguments = signature.bind(*args, **kwargs).arguments
                largest = max_abs_attention_logit(
                    *_logits_of_call(layer, arguments))
                # A layer called twice keeps its largest logit.
                maxima[key] = (largest if key not in maxima
                               else ops.maximum(maxima[key], largest))
                return original(*args, **kwargs)

            return call

        def probe(values, x):
            maxima = {}
            own_calls = [vars(layer).get("call") for layer in layers]
            try:
                for layer, key in zip(layers, keys):
                    layer.call = recorder(layer, layer.call, key, maxima)
                with keras.StatelessScope(
                        state_mapping=list(zip(variables, values))):
                    outputs = model(x, training=False)
            finally:
                for layer, own_call in zip(layers, own_calls):
                    if own_call is None:
                        del layer.call  # back to the class's method
                    else:
                        layer.call = own_call
            results = {f"max_attention_logit/{key}": value
                       for key, value in maxima.items()}
            if self.measure_output_log_z:
                if isinstance(outputs, (list, tuple, dict)):
                    raise ValueError(
                        "InstabilityMonitor needs a model with one output "
                        "of logits for `output_log_z` (or "
                        "measure_output_log_z=False). Received: "
                        f"{len(outputs)} outputs"
                    )
                results["output_log_z"] = mean_log_partition(outputs)
            return results

        return compiled_functions.compile_pure_function(probe)

    def measure(self):
        """The measurements on the probe batch, as a dict of floats."""
        if self._compiled_probe is None:
            self._compiled_probe = self._probe_fn()
        values = [v.value for v in self.model.trainable_variables]
        values += [v.value for v in self.model.non_trainable_variables]
        results = self._compiled_probe(values, self.probe_inputs)
        return {key: _to_float(value) for key, value in results.items()}

    def get_config(self):
        return {
            "probe_inputs": serialize_probe(self.probe_inputs),
            "frequency": self.frequency,
            "unit": self.unit,
            "measure_output_log_z": self.measure_output_log_z,
            "plot_path": self.plot_path,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
