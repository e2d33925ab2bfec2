"""Backend-aware pytest setup. One pytest process tests one backend."""

import gc
import os

# Must be set before jax or tensorflow is imported:
# - more than one virtual CPU device, for the keras.distribution tests (JAX);
# - no LLVM optimization of XLA's CPU code: the suite compiles hundreds of
#   tiny models that run a few steps each, so optimizing their code costs
#   more than it saves (a quarter of the JAX suite's time, a fifth of
#   TensorFlow's). XLA's own fusion passes still run; benchmarks and users
#   keep the default level.
os.environ.setdefault(
    "XLA_FLAGS",
    "--xla_force_host_platform_device_count=4 "
    "--xla_backend_optimization_level=0",
)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

try:
    # Loading TensorFlow before torch can crash the process.
    import torch  # noqa: F401
except ImportError:
    pass

import keras  # noqa: E402
import pytest  # noqa: E402

TRAINABLE_BACKENDS = ("tensorflow", "jax", "torch")


def pytest_report_header(config):
    return f"keras {keras.__version__}, backend {keras.config.backend()}"


def pytest_addoption(parser):
    parser.addoption(
        "--run_large", action="store_true", default=False,
        help="also run tests marked `large` (convergence, searches)",
    )


def pytest_configure(config):
    for marker in (
        "requires_trainable_backend: skipped on the numpy/openvino backends",
        "large: slow convergence or search tests, run with --run_large",
        "gpu: skipped unless a GPU is visible",
        "requires_tuner: skipped if keras_tuner is not importable",
    ):
        config.addinivalue_line("markers", marker)
    keras.config.disable_traceback_filtering()


def pytest_collection_modifyitems(config, items):
    skip_large = pytest.mark.skip(reason="large: run with --run_large")
    skip_backend = pytest.mark.skip(reason="backend cannot train")
    try:
        import keras_tuner  # noqa: F401
        tuner_missing = False
    except ImportError:
        tuner_missing = True
    skip_tuner = pytest.mark.skip(reason="keras_tuner is not installed")
    for item in items:
        if "large" in item.keywords and not config.getoption("--run_large"):
            item.add_marker(skip_large)
        if ("requires_trainable_backend" in item.keywords
                and keras.config.backend() not in TRAINABLE_BACKENDS):
            item.add_marker(skip_backend)
        if "requires_tuner" in item.keywords and tuner_missing:
            item.add_marker(skip_tuner)


@pytest.fixture(scope="session", autouse=True)
def check_requested_backend():
    requested = os.environ.get("KERAS_BACKEND", keras.config.backend())
    if keras.config.backend() != requested:
        pytest.exit(
            f"KERAS_BACKEND={requested} was requested but Keras is running "
            f"{keras.config.backend()}", returncode=3,
        )


# A full garbage collection costs 0.25-0.5 s in a test process, more than
# most tests: `clear_session` skips it, and one pass every
# `_TESTS_PER_COLLECTION` tests keeps a worker's memory bounded.
_TESTS_PER_COLLECTION = 25
_tests_since_collection = 0


@pytest.fixture(autouse=True)
def fresh_keras_state():
    global _tests_since_collection
    _tests_since_collection += 1
    if _tests_since_collection >= _TESTS_PER_COLLECTION:
        _tests_since_collection = 0
        gc.collect()
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(0)
    yield
