"""Call-time input checks shared by the class-id losses' tests."""

import warnings

import keras
import numpy as np

from kerastricks.utils import validation


def check_sparse_loss_inputs(test, sparse_loss, dense_loss, name):
    """Static dtype/shape errors, identical on every backend, and the opt-in
    label value check; `sparse_loss` takes class ids, `dense_loss` one-hot
    targets, `name` is quoted in the errors."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 3)).astype("float32")
    ids = np.array([0, 2, 1, 2], "int32")
    one_hot = np.eye(3, dtype="float32")[ids]
    for loss in (sparse_loss, dense_loss):
        targets = ids if loss is sparse_loss else one_hot
        with test.assertRaisesRegex(TypeError,
                                    f"{name}.*floating-point `y_pred`"):
            loss(targets, logits.astype("int32"))
    with test.assertRaisesRegex(TypeError, f"{name}.*integer class ids"):
        sparse_loss(ids.astype("float32"), logits)
    with test.assertRaisesRegex(ValueError, r"not one-hot"):
        sparse_loss(one_hot, logits)
    with test.assertRaisesRegex(ValueError, r"class ids of shape \(4,\)"):
        sparse_loss(ids[:3], logits)
    with test.assertRaisesRegex(ValueError, "same batch size and class"):
        dense_loss(one_hot[:, :2], logits)
    with test.assertRaisesRegex(ValueError, "same batch size and class"):
        dense_loss(one_hot[:3], logits)
    # (batch, 1) class ids are accepted, like Keras's sparse losses.
    test.assertAllClose(sparse_loss(ids[:, None], logits),
                        sparse_loss(ids, logits))
    # Label values: data, so checked only when asked.
    bad_ids = np.array([0, 3, -1, 2], "int32")
    sparse_loss(np.array([0, 2, 1, 2], "int32"), logits)
    validation.enable_label_value_checks()
    try:
        with test.assertRaisesRegex(ValueError,
                                    r"class ids in \[0, 3\).*\[-1, 3\]"):
            sparse_loss(bad_ids, logits)
        with test.assertRaisesRegex(ValueError, r"targets in \[0, 1\]"):
            dense_loss(2.0 * one_hot, logits)
        sparse_loss(ids, logits)
        dense_loss(one_hot, logits)
        _check_label_values_in_compiled_steps(test, sparse_loss, name,
                                              logits, ids, bad_ids)
    finally:
        validation.enable_label_value_checks(False)


def _compiled_model(loss, jit_compile):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    model.compile(optimizer="sgd", loss=loss, jit_compile=jit_compile)
    return model


def _check_label_values_in_compiled_steps(test, loss, name, x, ids,
                                          bad_ids):
    """With the checks on, a compiled step with bad class ids fails naming
    the loss and the ids (XLA on TensorFlow drops assertions: it warns);
    good ids train."""
    backend = keras.config.backend()
    # torch.compile costs 15-40 s a model on a CPU; torch's check is plain
    # Python, which its compiled steps run at a graph break.
    jit_compile = backend != "torch"
    if backend == "tensorflow":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _compiled_model(loss, jit_compile=True).train_on_batch(x,
                                                                   bad_ids)
        test.assertTrue(any("cannot run inside an XLA-compiled step"
                            in str(w.message) for w in caught))
        jit_compile = False  # a tf.function step, without XLA
    model = _compiled_model(loss, jit_compile)
    model.train_on_batch(x, ids)
    # JAX wraps the error of a compiled step in its runtime error and
    # TensorFlow raises an InvalidArgumentError: both carry the message.
    with test.assertRaisesRegex(
            Exception, rf"{name} needs class ids in \[0, 3\) in `y_true`"
    ) as caught:
        model.train_on_batch(x, bad_ids)
    test.assertRegex(str(caught.exception), r"-1")
