"""The private Keras API that kerastricks relies on still behaves as
kerastricks/utils/keras_internals.py says, and nothing else touches any.

A Keras release that renames or changes one of these fails here with a
message naming the attribute and the Keras version."""

import ast
import inspect
import pathlib

import keras
import numpy as np
import pytest

import kerastricks
from kerastricks.api_export import PUBLIC_PATHS
from kerastricks.utils import keras_internals

ROOT = pathlib.Path(__file__).resolve().parents[2]
KERAS = f"Keras {keras.__version__}"
# Private Keras methods that kerastricks classes override, each set from
# keras_internals.
OVERRIDDEN = {"_apply_weight_decay": keras_internals.skip_base_weight_decay}


def _variables():
    return [keras.Variable(np.ones((2, 3), "float32"), name="kernel"),
            keras.Variable(np.ones((3,), "float32"), name="bias")]


def test_a_missing_private_attribute_names_itself_and_the_keras_version():
    optimizer = keras.optimizers.SGD()
    with pytest.raises(AttributeError) as raised:
        keras_internals._private_attribute(optimizer, "_no_such_attribute")
    message = str(raised.value)
    assert "`SGD._no_such_attribute`" in message
    assert KERAS in message


def test_variable_index_finds_each_variables_slots():
    kernel, bias = _variables()
    optimizer = keras.optimizers.SGD(momentum=0.9)
    optimizer.build([kernel, bias])
    assert keras_internals.variable_index(optimizer, kernel) == 0, KERAS
    assert keras_internals.variable_index(optimizer, bias) == 1, KERAS


def test_uses_weight_decay_honours_the_exclusions():
    kernel, bias = _variables()
    optimizer = keras.optimizers.SGD(weight_decay=0.1)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    optimizer.build([kernel, bias])
    assert keras_internals.uses_weight_decay(optimizer, kernel), KERAS
    assert not keras_internals.uses_weight_decay(optimizer, bias), KERAS


def test_built_variables_are_the_ones_build_received():
    variables = _variables()
    optimizer = keras.optimizers.Adam()
    optimizer.build(variables)
    built = keras_internals.built_variables(optimizer)
    assert [id(v) for v in built] == [id(v) for v in variables], KERAS


class _SGDWithoutBaseDecay(keras.optimizers.SGD):
    _apply_weight_decay = keras_internals.skip_base_weight_decay


@pytest.mark.requires_trainable_backend
def test_skip_base_weight_decay_switches_the_base_decay_off():
    for optimizer_cls, decayed in ((keras.optimizers.SGD, True),
                                   (_SGDWithoutBaseDecay, False)):
        kernel, bias = _variables()
        optimizer = optimizer_cls(learning_rate=0.5, weight_decay=0.5)
        zeros = [keras.ops.zeros(v.shape) for v in (kernel, bias)]
        optimizer.apply(zeros, [kernel, bias])
        changed = not np.allclose(keras.ops.convert_to_numpy(kernel), 1.0)
        assert changed == decayed, (
            f"{optimizer_cls.__name__}: {KERAS} no longer applies its "
            "decoupled weight decay through "
            "`Optimizer._apply_weight_decay`")


@pytest.mark.requires_trainable_backend
def test_loss_tracker_is_the_metric_keras_train_step_updates():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert keras_internals.loss_tracker(model) is None
    model.compile(optimizer="sgd", loss="mse")
    x = np.arange(12, dtype="float32").reshape(4, 3)
    y = np.ones((4, 1), "float32")
    logs = model.train_on_batch(x, y, return_dict=True)
    tracker = keras_internals.loss_tracker(model)
    assert isinstance(tracker, keras.metrics.Mean), KERAS
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(tracker.result()), logs["loss"],
        rtol=1e-6, err_msg=f"{KERAS}: the 'loss' metric is not the tracker "
                           "that train_step updates")


def _private_attribute_uses(path):
    """`(line, name)` of each `x._name` attribute read in `path`."""
    tree = ast.parse(path.read_text())
    return [(node.lineno, node.attr) for node in ast.walk(tree)
            if isinstance(node, ast.Attribute)
            and node.attr.startswith("_") and not node.attr.startswith("__")]


def _own_private_names():
    """Private names kerastricks itself defines (assigned or def'd)."""
    names = set()
    for folder in ("kerastricks", "recipes"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif (isinstance(node, ast.Attribute)
                      and isinstance(node.ctx, ast.Store)):
                    names.add(node.attr)
                elif (isinstance(node, ast.Name)
                      and isinstance(node.ctx, ast.Store)):
                    names.add(node.id)
    return {name for name in names if name.startswith("_")}


def test_no_private_keras_attribute_outside_keras_internals():
    own = _own_private_names()
    foreign = []
    for folder in ("kerastricks", "recipes"):
        for path in (ROOT / folder).rglob("*.py"):
            for line, name in _private_attribute_uses(path):
                if name not in own:
                    foreign.append(f"{path.relative_to(ROOT)}:{line} {name}")
    assert not foreign, (
        "private attributes of other libraries are read outside "
        f"kerastricks/utils/keras_internals.py: {foreign}")


def _is_keras(cls):
    return cls.__module__.split(".")[0] == "keras"


def test_overridden_private_keras_methods_are_the_counted_ones():
    overrides = {}
    classes = PUBLIC_PATHS.values()
    for cls in classes:
        if not inspect.isclass(cls):
            continue
        keras_bases = [base for base in cls.__mro__[1:] if _is_keras(base)]
        for klass in cls.__mro__:
            if _is_keras(klass):
                break
            for name, value in vars(klass).items():
                if (name.startswith("_") and not name.startswith("__")
                        and any(hasattr(base, name) for base in keras_bases)):
                    overrides[f"{klass.__name__}.{name}"] = value
    unexpected = {key: value for key, value in overrides.items()
                  if OVERRIDDEN.get(key.split(".")[1]) is not value}
    assert not unexpected, (
        f"kerastricks classes override private {KERAS} methods that "
        f"kerastricks/utils/keras_internals.py does not count: "
        f"{sorted(unexpected)}")
    # Every counted override is still a method of Keras's own base class.
    for name in OVERRIDDEN:
        assert hasattr(keras.optimizers.Optimizer, name), (
            f"{KERAS} has no `Optimizer.{name}` any more")
    assert "AdamP._apply_weight_decay" in overrides
    assert kerastricks.optimizers.SGDP._apply_weight_decay is (
        keras_internals.skip_base_weight_decay)


def test_set_attention_query_scale_is_the_factor_queries_are_scaled_by():
    layer = keras.layers.MultiHeadAttention(1, 4, use_bias=False)
    x = np.random.default_rng(0).normal(size=(1, 3, 4)).astype("float32")
    plain = keras.ops.convert_to_numpy(layer(x, x))
    # A zero scale makes every logit zero: attention averages the values.
    keras_internals.set_attention_query_scale(layer, 0.0)
    averaged = keras.ops.convert_to_numpy(layer(x, x))
    mean_value = keras.ops.mean(layer._value_dense(x), axis=1, keepdims=True)
    expected = keras.ops.convert_to_numpy(layer._output_dense(mean_value))
    np.testing.assert_allclose(averaged, np.broadcast_to(expected, (1, 3, 4)),
                               atol=1e-5)
    assert not np.allclose(plain, averaged)


def test_muon_steps_with_adamw_sends_vectors_and_embeddings_to_adamw():
    optimizer = keras.optimizers.Muon(exclude_layers=["head"])
    kernel, bias = _variables()
    head = keras.Variable(np.ones((2, 3), "float32"), name="head_kernel")
    embedding = keras.layers.Embedding(5, 3)
    embedding.build((None,))
    assert not keras_internals.muon_steps_with_adamw(optimizer, kernel)
    assert keras_internals.muon_steps_with_adamw(optimizer, bias)
    assert keras_internals.muon_steps_with_adamw(optimizer, head)
    assert keras_internals.muon_steps_with_adamw(
        optimizer, embedding.embeddings)
