"""Every exported object passes the contract of its kind, run from its row
in `technique_settings.SETTINGS` by that kind's harness helper."""

import keras
import pytest

import kerastricks  # noqa: F401  (fills the export registry)
from kerastricks import testing
from kerastricks.api_export import PUBLIC_PATHS
from tests.common.technique_settings import CALLBACK_DATA
from tests.common.technique_settings import SETTINGS

pytestmark = [pytest.mark.requires_trainable_backend]


def _tolerance(row):
    atol, rtol = row.get("tolerance", testing.test_case.TOLERANCES["float32"])
    return {"atol": atol, "rtol": rtol}


def _layer(test, cls, row):
    options = {name: row[name] for name in (
        "call_kwargs", "expected_output_shape",
        "expected_num_trainable_weights",
        "expected_num_non_trainable_weights", "expected_num_seed_generators",
        "supports_masking") if name in row}
    test.run_layer_test(cls, row["init_kwargs"], row["input_data"],
                        **options)


def _activation(test, fn, row):
    test.run_activation_test(fn, row["reference"], row["input_data"],
                             **_tolerance(row))


def _loss(test, cls, row):
    test.run_loss_test(
        cls(**row["init_kwargs"]), row["fn"], row["reference"],
        row["y_true"], row["y_pred"], batch_level=row.get("batch_level",
                                                          False),
        extreme_y_pred=row.get("extreme_y_pred"), **_tolerance(row))


def _schedule(test, cls, row):
    test.run_schedule_test(cls, row["init_kwargs"], row["reference"],
                           row["steps"], **_tolerance(row))


def make_optimizer(cls, row):
    """`(**base_options) -> optimizer`, as the optimizer harness wants."""
    init_kwargs = row["init_kwargs"]

    def make(**base_options):
        if callable(init_kwargs):
            return cls(**init_kwargs(**base_options))
        return cls(**init_kwargs, **base_options)

    return make


def _optimizer(test, cls, row):
    test.run_optimizer_test(make_optimizer(cls, row), row["reference"],
                            check_distribution=True)


def _model_wrapper(test, cls, row):
    test.run_model_wrapper_test(cls, row["init_kwargs"])


def make_callback(cls, row):
    return lambda: cls(**row["init_kwargs"](CALLBACK_DATA))


def _callback(test, cls, row):
    x, y = CALLBACK_DATA
    callback = make_callback(cls, row)
    test.run_serialization_test(callback())
    test.run_callback_test(
        callback, lambda: testing.problems.mlp(outputs=3,
                                               normalization=True),
        x, y, keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        epochs=1, expected_log_keys=row["expected_log_keys"])


def _utility(test, fn, row):
    test.run_utility_test(fn, row["kwargs"], row["expected"],
                          observe=row.get("observe"), x=row.get("x"),
                          **_tolerance(row))


HARNESS = {
    "layer": _layer,
    "activation": _activation,
    "loss": _loss,
    "optimizer": _optimizer,
    "schedule": _schedule,
    "model_wrapper": _model_wrapper,
    "callback": _callback,
    "utility": _utility,
}


def _metric(test, cls, row):
    test.run_metric_test(cls, row["init_kwargs"], row["reference"],
                         row["y_true"], row["y_pred"],
                         sample_weight=row.get("sample_weight"),
                         **_tolerance(row))


HARNESS["metric"] = _metric


class _Contract(testing.TestCase):
    def runTest(self):
        pass


@pytest.mark.parametrize("path", sorted(SETTINGS))
def test_contract(path):
    row = SETTINGS[path]
    assert row["kind"] in HARNESS, (path, row["kind"], sorted(HARNESS))
    if path not in PUBLIC_PATHS:
        pytest.fail(f"{path} has a row but names no export")
    test = _Contract()
    test.setUp()
    try:
        HARNESS[row["kind"]](test, PUBLIC_PATHS[path], row)
    finally:
        test.doCleanups()
