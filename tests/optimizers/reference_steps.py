"""Stepping an optimizer and its NumPy reference side by side."""

import keras
import numpy as np


def run_against_reference(test, optimizer, reference, steps=12,
                          shapes=((3,), (2, 4)), seed=0, tolerance=1e-6):
    """`steps` `apply_gradients` calls with seeded normal gradients; after
    each, the variables equal the float64 reference within `tolerance`."""
    rng = np.random.default_rng(seed)
    values = [rng.normal(size=shape).astype("float32") for shape in shapes]
    variables = [keras.Variable(value, name=f"v{i}")
                 for i, value in enumerate(values)]
    init, update = reference
    params = [value.astype("float64") for value in values]
    state = init(params)
    for step in range(1, steps + 1):
        grads = [rng.normal(size=shape).astype("float32") for shape in shapes]
        optimizer.apply_gradients(
            zip([keras.ops.convert_to_tensor(g) for g in grads], variables))
        params, state = update([g.astype("float64") for g in grads], state,
                               params, step)
        test.assertAllClose(variables, params, atol=tolerance,
                            rtol=tolerance, msg=f"step {step}")
    return params
