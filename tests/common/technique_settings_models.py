"""Contract entries for the model wrappers (SAM, SAF, MESA)."""

import keras
import numpy as np

import kerastricks
from kerastricks.testing import problems
from tests.common.technique_settings import custom


def _wrapper(make):
    """Serialization, a compiled fit with metrics and validation, and a
    `.keras` round trip of the wrapper."""

    def check(test):
        test.run_serialization_test(
            make(problems.mlp(outputs=3, normalization=True)))
        x, y = problems.blobs(num_examples=8)
        model = make(problems.mlp(outputs=3, normalization=True))
        model.compile(
            optimizer="adam",
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
            jit_compile="auto",
        )
        history = model.fit(x, y, epochs=2, batch_size=4, verbose=0,
                            validation_data=(x, y))
        test.assertAllFinite(np.asarray(history.history["loss"]))
        loaded = test.run_saving_test(model, x)
        test.assertIsInstance(loaded, type(model))
        test.assertIsInstance(loaded.inner, keras.Model)

    return check


SETTINGS = {
    "kerastricks.models.SAM": custom(_wrapper(
        lambda m: kerastricks.models.SAM(m, rho=0.05))),
    "kerastricks.models.SAF": custom(_wrapper(
        lambda m: kerastricks.models.SAF(m, start_epoch=0, lag_epochs=1))),
    "kerastricks.models.MESA": custom(_wrapper(
        lambda m: kerastricks.models.MESA(m, start_epoch=0))),
}
