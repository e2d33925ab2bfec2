"""Invalid calls of every loss and layer, and the error each must raise.

A case is `(make, inputs, error_type, message)`: `make()` builds the loss
or layer, `inputs` is `(y_true, y_pred)` for a loss and the layer's input
(a dict passes by keyword) for a layer. A family's module of the contract
table adds its cases, by export name, in `INVALID_CALLS`.

Everything wrong that static shapes and dtypes reveal (rank, class count,
batch size, integer against floating point, one-hot against class ids)
raises the same `ValueError` or `TypeError` on every backend, before any
computation: the table holds the exact message, which names the argument
and quotes the received shape or dtype. Each case runs eagerly and inside a
compiled step (`jit_compile=True`), where the check runs while tracing.
"""

import keras
import numpy as np
import pytest

import kerastricks
from tests.common.technique_settings import FAMILY_INVALID_CALLS

_RNG = np.random.default_rng(0)
LOGITS = _RNG.normal(size=(4, 3)).astype("float32")
IDS = np.array([0, 2, 1, 2], "int32")
ONE_HOT = np.eye(3, dtype="float32")[IDS]
SEGMENTATION = np.eye(3, dtype="float32")[_RNG.integers(0, 3, (2, 2, 2))]
BINARY_TRUE = np.array([[1], [0], [1], [0]], "float32")
BINARY_PRED = np.array([[0.9], [0.2], [0.6], [0.3]], "float32")
EMBEDDINGS = _RNG.normal(size=(4, 3)).astype("float32")
TOKENS = _RNG.uniform(size=(2, 5, 4)).astype("float32")
IMAGES = _RNG.uniform(size=(2, 6, 6, 3)).astype("float32")


def _int(array):
    return array.astype("int32")


def _shape_error(loss, need, y_true, y_pred):
    return (f"{loss} {need}. Received: y_true of shape {y_true.shape} and "
            f"y_pred of shape {y_pred.shape}")


def _float_pred(loss):
    return (TypeError, f"{loss} needs floating-point `y_pred` (logits or "
            "probabilities). Received: y_pred of dtype int32")


def _rank(loss, rank, y_pred):
    axes = " and a class axis" if rank > 1 else ""
    return (ValueError, f"{loss} needs `y_pred` of rank >= {rank} (a batch "
            f"axis{axes}). Received: y_pred of shape {y_pred.shape}")


def _sparse_cases(loss, make):
    """Bad calls of a class-id loss `make()` on (4, 3) logits."""
    ids_error = ("with sparse labels needs class ids of shape (4,)")
    return [
        (make, (IDS, _int(LOGITS)), *_float_pred(loss)),
        (make, (IDS.astype("float32"), LOGITS), TypeError,
         f"{loss} with sparse labels needs integer class ids in `y_true`. "
         "Received: y_true of dtype float32 (use one-hot targets with the "
         "non-sparse setting, or cast the ids to int32)"),
        (make, (ONE_HOT, LOGITS), ValueError, _shape_error(
            loss, "with sparse labels needs class ids of shape (4,) (or "
            "with size 1 on the class axis), not one-hot targets",
            ONE_HOT, LOGITS)),
        (make, (IDS[:3], LOGITS), ValueError,
         _shape_error(loss, ids_error, IDS[:3], LOGITS)),
        (make, (IDS, LOGITS[0]), *_rank(loss, 2, LOGITS[0])),
    ]


def _dense_mismatch(loss, make):
    return [
        (make, (ONE_HOT[:, :2], LOGITS), ValueError, _shape_error(
            loss, "needs one-hot or soft targets of the shape of `y_pred` "
            "(same batch size and class count)", ONE_HOT[:, :2], LOGITS)),
        (make, (ONE_HOT[:3], LOGITS), ValueError, _shape_error(
            loss, "needs one-hot or soft targets of the shape of `y_pred` "
            "(same batch size and class count)", ONE_HOT[:3], LOGITS)),
    ]


def _axis(loss, make):
    return (make, (IDS, LOGITS), ValueError,
            f"{loss}: argument `axis` must be a class axis of `y_pred`, in "
            "[-2, 2). Received: axis=2 for y_pred of rank 2")


def _binary_cases(loss, make):
    need = ("needs 0/1 labels of the shape of `y_pred` (the probability or "
            "logit of class 1)")
    wide = np.concatenate([BINARY_PRED, BINARY_PRED], axis=1)
    return [
        (make, (BINARY_TRUE, _int(BINARY_PRED)), *_float_pred(loss)),
        (make, (BINARY_TRUE, wide), ValueError,
         _shape_error(loss, need, BINARY_TRUE, wide)),
        (make, (BINARY_TRUE[:3], BINARY_PRED), ValueError,
         _shape_error(loss, need, BINARY_TRUE[:3], BINARY_PRED)),
        (make, (np.float32(1.0), np.float32(0.5)),
         *_rank(loss, 1, np.float32(0.5))),
    ]


def _embedding_cases(loss, make, paired_views):
    layout = ("(2N, dim): two stacked views" if paired_views
              else "(batch, dim)")
    labels = IDS[:4]
    cube = EMBEDDINGS[:, :, None]
    cases = [
        (make, (labels, cube), ValueError,
         f"{loss} expects embeddings of shape {layout}. Received: y_pred "
         f"of shape {cube.shape}"),
        (make, (labels[0], EMBEDDINGS[0]), ValueError,
         f"{loss} expects embeddings of shape {layout}. Received: y_pred "
         f"of shape {EMBEDDINGS[0].shape}"),
        (make, (labels, _int(EMBEDDINGS)), *_float_pred(loss)),
    ]
    if paired_views:
        return cases + [
            (make, (labels[:3], EMBEDDINGS[:3]), ValueError,
             f"{loss} expects embeddings of shape {layout}, an even number "
             f"of rows. Received: y_pred of shape {EMBEDDINGS[:3].shape}"),
        ]
    received = "Received: y_true of shape {} and y_pred of shape (4, 3)"
    need = f"{loss} needs one integer label per embedding, `y_true` of " \
           "shape (4,). "
    return cases + [
        (make, (labels[:3], EMBEDDINGS), ValueError,
         need + received.format((3,))),
        (make, (ONE_HOT, EMBEDDINGS), ValueError,
         need + received.format((4, 3))),
        (make, (labels.astype("float32"), EMBEDDINGS), TypeError,
         f"{loss} needs integer labels in `y_true`. Received: y_true of "
         "dtype float32 (cast the labels to int32)"),
    ]


def _segmentation_cases():
    loss = "CrossEntropyDiceLoss"
    make = kerastricks.losses.CrossEntropyDiceLoss
    probabilities = SEGMENTATION / 1.0
    need = ("needs one-hot or soft targets of the shape of `y_pred` (same "
            "batch size and class count)")
    return [
        (make, (SEGMENTATION, _int(probabilities)), *_float_pred(loss)),
        (make, (SEGMENTATION[..., :2], probabilities), ValueError,
         _shape_error(loss, need, SEGMENTATION[..., :2], probabilities)),
        (make, (SEGMENTATION[:1], probabilities), ValueError,
         _shape_error(loss, need, SEGMENTATION[:1], probabilities)),
        (lambda: make(class_weights=[1.0, 2.0]),
         (SEGMENTATION, probabilities), ValueError,
         "CrossEntropyDiceLoss: argument `class_weights` needs one entry "
         "per class, 3 for y_pred of shape (2, 2, 2, 3). Received: "
         "class_weights=[1.0, 2.0]"),
        (make, (SEGMENTATION[0, 0, 0], probabilities[0, 0, 0]),
         *_rank(loss, 2, probabilities[0, 0, 0])),
    ]


def _loss_cases():
    losses = kerastricks.losses
    cases = {
        "StableMaxCrossEntropy": (
            _sparse_cases("StableMaxCrossEntropy",
                          losses.StableMaxCrossEntropy)
            + _dense_mismatch("StableMaxCrossEntropy",
                              lambda: losses.StableMaxCrossEntropy(
                                  sparse=False))),
        "ZLoss": (
            _sparse_cases("ZLoss", losses.ZLoss)
            + _dense_mismatch("ZLoss", lambda: losses.ZLoss(sparse=False))
            + [_axis("ZLoss", lambda: losses.ZLoss(axis=2))]),
        "LogitZLoss": (
            _sparse_cases("LogitZLoss", losses.LogitZLoss)
            + _dense_mismatch("LogitZLoss", lambda: losses.LogitZLoss(
                cross_entropy="categorical"))
            + [(lambda: losses.LogitZLoss(cross_entropy=None),
                (IDS, _int(LOGITS)), *_float_pred("LogitZLoss")),
               _axis("LogitZLoss", lambda: losses.LogitZLoss(
                   cross_entropy=None, axis=2))]),
        "CrossEntropyDiceLoss": _segmentation_cases(),
        "NTXentLoss": _embedding_cases("NTXentLoss", losses.NTXentLoss,
                                       paired_views=True),
        "SupervisedContrastiveLoss": _embedding_cases(
            "SupervisedContrastiveLoss", losses.SupervisedContrastiveLoss,
            paired_views=False),
    }
    for name in ("AnyLoss", "FBetaLoss", "AccuracyLoss",
                 "BalancedAccuracyLoss", "GeometricMeanLoss"):
        cases[name] = _binary_cases(name, getattr(losses, name))
    focal = "SparseCategoricalFocalLoss"
    cases[focal] = _sparse_cases(focal, losses.SparseCategoricalFocalLoss)
    for name in ("TripletSemiHardLoss", "TripletHardLoss"):
        cases[name] = _metric_learning_cases(name, getattr(losses, name))
    cases["NPairsLoss"] = _npairs_cases()
    cases["ContrastiveMarginLoss"] = _elementwise_cases(
        "ContrastiveMarginLoss", losses.ContrastiveMarginLoss,
        "one 0/1 similarity label", (IDS, EMBEDDINGS), EMBEDDINGS[:, 0])
    cases["PinballLoss"] = _elementwise_cases(
        "PinballLoss", losses.PinballLoss, "one target",
        (LOGITS[:, :2], LOGITS), LOGITS)
    return cases


def _metric_learning_cases(loss, make):
    """Bad calls of a triplet loss on (4, 3) embeddings and class ids."""
    cube = EMBEDDINGS[:, :, None]
    return [
        (make, (IDS, cube), ValueError,
         f"{loss} expects embeddings of shape (batch, dim). Received: "
         f"y_pred of shape {cube.shape}"),
        (make, (IDS, _int(EMBEDDINGS)), *_float_pred(loss)),
        (make, (IDS[:3], EMBEDDINGS), ValueError, _shape_error(
            loss, "with sparse labels needs class ids of shape (4,)",
            IDS[:3], EMBEDDINGS)),
        (make, (IDS.astype("float32"), EMBEDDINGS), TypeError,
         f"{loss} with sparse labels needs integer class ids in `y_true`. "
         "Received: y_true of dtype float32 (use one-hot targets with the "
         "non-sparse setting, or cast the ids to int32)"),
    ]


def _npairs_cases():
    loss = "NPairsLoss"
    make = kerastricks.losses.NPairsLoss
    similarities = _RNG.normal(size=(4, 4)).astype("float32")

    def not_square(y_pred):
        return (ValueError, f"{loss} expects a square (batch, batch) "
                "similarity matrix, e.g. `anchors @ positives.T`. Received: "
                f"y_pred of shape {y_pred.shape}")

    return [
        (make, (IDS, EMBEDDINGS), *not_square(EMBEDDINGS)),
        (make, (IDS, similarities[0]), *not_square(similarities[0])),
        (make, (IDS, _int(similarities)), *_float_pred(loss)),
        (make, (IDS[:3], similarities), ValueError, _shape_error(
            loss, "with sparse labels needs class ids of shape (4,)",
            IDS[:3], similarities)),
    ]


def _elementwise_cases(loss, make, what, mismatched, y_pred):
    """Bad calls of a loss whose targets match `y_pred` elementwise;
    `mismatched` is a `(y_true, y_pred)` pair of disagreeing shapes."""
    need = (f"needs {what} per entry of `y_pred`: `y_true` of the shape of "
            "`y_pred` (up to trailing size-1 axes)")
    targets = np.zeros(y_pred.shape, "float32")
    return [
        (make, (targets, _int(y_pred)), *_float_pred(loss)),
        (make, (targets[:3], y_pred), ValueError,
         _shape_error(loss, need, targets[:3], y_pred)),
        (make, mismatched, ValueError, _shape_error(loss, need,
                                                    *mismatched)),
        (make, (np.float32(1.0), np.float32(0.5)),
         *_rank(loss, 1, np.float32(0.5))),
    ]


def _rank_error(owner, name, shape, ranks):
    return (ValueError, f"{owner} expects `{name}` of rank {ranks}. "
            f"Received: {name} of shape {shape} (rank {len(shape)})")


def _float_input(owner, name="inputs"):
    return (TypeError, f"{owner} expects floating-point `{name}` (cast it, "
            f"e.g. with keras.ops.cast(x, 'float32')). Received: {name} of "
            "dtype int32")


def _layer_cases():
    layers = kerastricks.layers
    ggem = "GroupGeneralizedMeanPooling"
    spp = "SpatialPyramidPooling2D"
    mha = "QKNormMultiHeadAttention"

    def pool(**kwargs):
        return lambda: layers.GroupGeneralizedMeanPooling(groups=2,
                                                          **kwargs)

    def attention():
        return layers.QKNormMultiHeadAttention(num_heads=2, key_dim=4)

    def tract(wrapped):
        return lambda: layers.TrAct(wrapped())

    def weight_norm(wrapped):
        return lambda: layers.WeightNormalization(wrapped())

    query, value = TOKENS, TOKENS[:, :3]
    return {
        ggem: [
            (pool(), TOKENS[0], *_rank_error(ggem, "inputs", (5, 4),
                                             "3 or 4")),
            (pool(), IMAGES[None], *_rank_error(ggem, "inputs",
                                                (1, 2, 6, 6, 3), "3 or 4")),
            (pool(data_format="channels_first"), TOKENS,
             *_rank_error(ggem, "inputs", (2, 5, 4), "4")),
            (pool(), TOKENS[..., :3], ValueError,
             f"{ggem} needs a known channel count of `inputs` divisible by "
             "`groups`. Received: inputs of shape (2, 5, 3) (channels=3), "
             "groups=2"),
            (pool(), _int(TOKENS), *_float_input(ggem)),
        ],
        spp: [
            (layers.SpatialPyramidPooling2D, TOKENS,
             *_rank_error(spp, "inputs", (2, 5, 4), "4")),
            (layers.SpatialPyramidPooling2D, IMAGES[None],
             *_rank_error(spp, "inputs", (1, 2, 6, 6, 3), "4")),
            (layers.SpatialPyramidPooling2D, TOKENS[0],
             *_rank_error(spp, "inputs", (5, 4), "4")),
            (layers.SpatialPyramidPooling2D, _int(IMAGES),
             *_float_input(spp)),
        ],
        mha: [
            (attention, {"query": query[0], "value": value},
             *_rank_error(mha, "query", (5, 4), "3")),
            (attention, {"query": query, "value": value[None]},
             *_rank_error(mha, "value", (1, 2, 3, 4), "3")),
            (attention, {"query": query, "value": value[:1]}, ValueError,
             f"{mha} needs the same batch size in `query`, `value`, `key`. "
             "Received: query of shape (2, 5, 4), value of shape (1, 3, 4), "
             "key of shape (1, 3, 4)"),
            (attention, {"query": query, "value": value, "key": query},
             ValueError,
             f"{mha} needs the same source length (axis 1) in `value`, "
             "`key`. Received: value of shape (2, 3, 4), key of shape "
             "(2, 5, 4)"),
            (attention, {"query": _int(query), "value": value},
             *_float_input(mha, "query")),
            (attention, {"query": query, "value": value,
                         "attention_mask": np.ones((2, 5, 5), "bool")},
             ValueError,
             f"{mha} needs `attention_mask` of shape (batch, target, source)"
             " = (2, 5, 3). Received: attention_mask of shape (2, 5, 5)"),
        ],
        "WeightNormalization": [
            (weight_norm(lambda: keras.layers.Conv2D(2, 3)), TOKENS,
             *_rank_error("WeightNormalization(Conv2D)", "inputs",
                          (2, 5, 4), "4")),
            (weight_norm(lambda: keras.layers.Conv1D(2, 3)), IMAGES,
             *_rank_error("WeightNormalization(Conv1D)", "inputs",
                          (2, 6, 6, 3), "3")),
            (weight_norm(lambda: keras.layers.Dense(2)), TOKENS[0, 0],
             ValueError,
             "WeightNormalization(Dense) expects `inputs` of rank >= 2 "
             "(batch, ..., features). Received: inputs of shape (4,)"),
            (weight_norm(lambda: keras.layers.Dense(2)), _int(TOKENS),
             *_float_input("WeightNormalization(Dense)")),
        ],
        "TrAct": [
            (tract(lambda: keras.layers.Conv2D(2, 3)), TOKENS,
             *_rank_error("TrAct(Conv2D)", "inputs", (2, 5, 4), "4")),
            (tract(lambda: keras.layers.Conv2D(2, 3)), IMAGES[None],
             *_rank_error("TrAct(Conv2D)", "inputs", (1, 2, 6, 6, 3), "4")),
            (tract(lambda: keras.layers.Dense(2)), TOKENS[0, 0], ValueError,
             "TrAct(Dense) expects `inputs` of rank >= 2 (batch, ..., "
             "features). Received: inputs of shape (4,)"),
        ],
    }


LOSS_CASES = _loss_cases()
LAYER_CASES = _layer_cases()
for _name, _cases in FAMILY_INVALID_CALLS.items():
    _table = (LOSS_CASES if _name in kerastricks.losses.__all__
              else LAYER_CASES)
    _table.setdefault(_name, []).extend(_cases)


class _Passthrough(keras.Model):
    """Hands its input on as the prediction, so a compiled evaluation step
    calls the loss on exactly the tensors of the case."""

    def call(self, inputs):
        return inputs


class _Apply(keras.Model):
    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        self.wrapped = layer

    def call(self, inputs):
        if isinstance(inputs, dict):
            return self.wrapped(**inputs)
        return self.wrapped(inputs)


def _mismatch(error_type, message, run):
    """What is wrong with the error `run()` raises, or `None`."""
    try:
        run()
    except Exception as error:  # noqa: BLE001 (any other error is a defect)
        # Keras appends a layer's call arguments to errors raised inside
        # it; the message must appear whole.
        if type(error) is error_type and message in str(error):
            return None
        return f"raised {type(error).__name__}: {error}"
    return "raised nothing"


def _failures(cases, run_case):
    failures = []
    for name in sorted(cases):
        for make, inputs, error_type, message in cases[name]:
            problem = _mismatch(error_type, message,
                                lambda: run_case(make, inputs))
            if problem:
                failures.append(f"{name}: expected {error_type.__name__}: "
                                f"{message}\n  but {problem}")
    return failures


def _call_loss(make, inputs):
    y_true, y_pred = inputs
    make()(y_true, y_pred)


def _call_loss_compiled(make, inputs):
    y_true, y_pred = inputs
    model = _Passthrough(name="passthrough")
    model.compile(loss=make(), jit_compile=True)
    model.test_on_batch(y_pred, y_true)


def _call_layer(make, inputs):
    if isinstance(inputs, dict):
        make()(**inputs)
    else:
        make()(inputs)


def _call_layer_compiled(make, inputs):
    model = _Apply(make(), name="apply")
    model.compile(jit_compile=True)
    model.predict_on_batch(inputs)


def test_every_loss_and_layer_has_invalid_calls():
    missing = [
        f"kerastricks.{kind}.{name}"
        for kind, cases in (("losses", LOSS_CASES), ("layers", LAYER_CASES))
        for name in getattr(kerastricks, kind).__all__
        if len(cases.get(name, ())) < 3
    ]
    assert not missing, (
        f"Add at least 3 invalid calls for {missing} to this table")


@pytest.mark.parametrize("cases,run_case", [
    (LOSS_CASES, _call_loss), (LAYER_CASES, _call_layer)],
    ids=["losses", "layers"])
def test_invalid_calls(cases, run_case):
    failures = _failures(cases, run_case)
    assert not failures, "\n".join(failures)


# torch.compile traces a model's first step in Python, so the checks raise
# there exactly as in eager mode; compiling the unbuilt layer models costs
# 15-40 s each on a CPU, so on torch the layer half runs with --run_large.
_TORCH_COMPILE_IS_SLOW = (
    [pytest.mark.large] if keras.config.backend() == "torch" else [])


@pytest.mark.requires_trainable_backend
@pytest.mark.parametrize("cases,run_case", [
    pytest.param(LOSS_CASES, _call_loss_compiled, id="losses"),
    pytest.param(LAYER_CASES, _call_layer_compiled, id="layers",
                 marks=_TORCH_COMPILE_IS_SLOW)])
def test_invalid_calls_in_compiled_step(cases, run_case):
    failures = _failures(cases, run_case)
    assert not failures, "\n".join(failures)
