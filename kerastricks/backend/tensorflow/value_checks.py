import warnings

import numpy as np
import tensorflow as tf

from kerastricks.backend.value_checks import invalid_values_error


def _in_xla_context():
    # XLA compiles `tf.function(jit_compile=True)`; it drops Assert ops.
    from tensorflow.python.ops import control_flow_util

    graph = tf.compat.v1.get_default_graph()
    return control_flow_util.GraphOrParentsInXlaContext(graph)


def checked_values(valid, values, message):
    if tf.executing_eagerly():
        error = invalid_values_error(np.asarray(valid), np.asarray(values),
                                     message)
        if error is not None:
            raise error
        return values
    if _in_xla_context():
        warnings.warn(
            f"{message} This check cannot run inside an XLA-compiled step "
            "on TensorFlow (XLA drops assertions): compile with "
            "`jit_compile=False` to run it.",
            stacklevel=3,
        )
        return values
    valid = tf.convert_to_tensor(valid)
    values = tf.convert_to_tensor(values)
    assertion = tf.debugging.Assert(
        tf.reduce_all(valid),
        [message, "Values outside:",
         tf.boolean_mask(values, tf.logical_not(valid))],
        summarize=5,
    )
    with tf.control_dependencies([assertion]):
        return tf.identity(values)
