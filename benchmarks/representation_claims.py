"""Representation claims (heads, adapters, probes, pooling) against their
baselines, over seeds.

Small CPU experiments on scikit-learn's digits and on generated token
sequences, each against its baseline in the same run, same data and same
budget, a few minutes each:

- `abet`: out-of-distribution detection on digits. An MLP is trained on
  the digits 0-4 with a `LearnedTemperatureHead` and, with the same
  budget, with a plain Dense head; the held-out digits 5-9 are the
  out-of-distribution inputs. FPR at 95% TPR (`kerastricks.metrics.
  FPRAt95TPR`, in-distribution test digits as the positives) of the AbeT
  score against the energy score and the maximum softmax probability of
  the plain model; lower is better;
- `flora`: a small CNN pretrained on the digits 0-4, fine-tuned on few
  labelled digits 5-9 with a new head: FLoRA adapters on its two
  convolutions and its hidden Dense layer against Keras's own LoRA
  (`enable_lora`, which factorizes a conv kernel as a matrix) on the same
  layers at a similar number of trained weights (biases frozen in both),
  and against training the new head alone; each method picks its
  learning rate on a validation split from the same grid, and the test
  accuracy after the same epochs is compared;
- `moment_probing_head`: the same pretrained CNN, frozen; its last
  feature map (8x8 tokens) probed on the digits 5-9 by a
  `MomentProbingHead` and by a linear probe on the mean token (the same
  head with `second_order=False`), the same epochs, each with its
  learning rate picked on a validation split from the same grid;
- `multi_layer_trainable_pooling`: a small causal transformer pretrained
  as a language model on token sequences from a few Markov chains, each
  closed by an end token at which it predicts the sequence's chain (so its
  last layer is trained for a coarse summary, as an LLM's last layer is
  for the next token), then frozen; two noisy views of each test sequence
  (some content tokens replaced) must retrieve each other. A
  `MultiLayerTrainablePooling` head over the end token's state at every
  layer against the same head over the last layer only (the paper's
  last-layer trainable pooling), both trained with NT-Xent on the views of
  the training sequences for the same epochs; recall@1 on the test
  sequences, and the untrained end-token state of the last layer for
  reference. As in the paper the pooled token is the last one of a causal
  model; unlike the paper the backbone is frozen (no LoRA fine-tuning with
  the head).

    KERAS_BACKEND=jax python -m benchmarks.representation_claims --seeds 3
    KERAS_BACKEND=jax python -m benchmarks.representation_claims \
        --only flora

With `--only`, the named experiments replace theirs in the existing record
and the others keep their results; every experiment's entry holds the
settings it ran with.
"""

import json

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes.layers import PositionEmbedding

PRETRAIN_DIGITS = (0, 1, 2, 3, 4)
TRANSFER_DIGITS = (5, 6, 7, 8, 9)


def _digits(seed):
    """Digits as (count, 8, 8, 1) images in [0, 1], shuffled by `seed`."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(x))
    images = (x[order] / 16.0).astype("float32").reshape(-1, 8, 8, 1)
    return images, y[order].astype("int32")


def _subset(x, y, digits):
    """The examples of `digits`, relabelled 0 .. len(digits) - 1."""
    keep = np.isin(y, digits)
    relabel = {digit: index for index, digit in enumerate(digits)}
    return x[keep], np.array([relabel[label] for label in y[keep]], "int32")


def _sparse_loss():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _accuracy(model, x, y):
    predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
    return float(np.mean(predicted == y))


# -- abet ---------------------------------------------------------------------

def _fpr_at_95_tpr(in_scores, out_scores):
    """FPR at 95% TPR with the in-distribution examples as the positives;
    scores are higher for in-distribution inputs."""
    scores = np.concatenate([in_scores, out_scores]).astype("float32")
    labels = np.r_[np.ones(len(in_scores)), np.zeros(len(out_scores))]
    margin = 1e-3 * (scores.max() - scores.min() + 1.0)
    metric = kerastricks.metrics.FPRAt95TPR(
        score_range=(float(scores.min() - margin),
                     float(scores.max() + margin)), num_bins=20000)
    metric.update_state(labels, scores)
    return float(metric.result())


def _softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def _logsumexp(logits):
    top = logits.max(axis=-1)
    return top + np.log(np.exp(logits - top[:, None]).sum(axis=-1))


def abet(args):
    """FPR@95 per score and seed, and the in-distribution test accuracy
    of both models."""
    fpr = {"AbeT": [], "energy (plain head)": [],
           "max softmax (plain head)": []}
    accuracy = {"learned temperature head": [], "plain head": []}
    for seed in range(args.seeds):
        x, y = _digits(seed)
        x = x.reshape(len(x), -1)
        x_in, y_in = _subset(x, y, PRETRAIN_DIGITS)
        x_out, _ = _subset(x, y, TRANSFER_DIGITS)
        split = int(0.7 * len(x_in))
        outputs = {}
        for name in accuracy:
            keras.utils.set_random_seed(seed)
            inputs = keras.Input((64,))
            hidden = inputs
            for _ in range(2):
                hidden = keras.layers.Dense(
                    args.abet_hidden_units, activation="relu")(hidden)
            classes = len(PRETRAIN_DIGITS)
            head = (kerastricks.layers.LearnedTemperatureHead(classes)
                    if name == "learned temperature head"
                    else keras.layers.Dense(classes))
            model = keras.Model(inputs, head(hidden))
            model.compile(optimizer=keras.optimizers.Adam(
                args.abet_learning_rate), loss=_sparse_loss())
            model.fit(x_in[:split], y_in[:split], epochs=args.abet_epochs,
                      batch_size=args.batch_size, verbose=0)
            accuracy[name].append(
                _accuracy(model, x_in[split:], y_in[split:]))
            outputs[name] = [model.predict(data, verbose=0).astype("float64")
                             for data in (x_in[split:], x_out)]
        # Scores higher for in-distribution inputs: the negated AbeT score
        # (its logsumexp), the negated energy, the maximum softmax.
        scaled_in, scaled_out = outputs["learned temperature head"]
        fpr["AbeT"].append(_fpr_at_95_tpr(
            -keras.ops.convert_to_numpy(
                kerastricks.ops.abet_score(scaled_in)),
            -keras.ops.convert_to_numpy(
                kerastricks.ops.abet_score(scaled_out))))
        plain_in, plain_out = outputs["plain head"]
        fpr["energy (plain head)"].append(_fpr_at_95_tpr(
            _logsumexp(plain_in), _logsumexp(plain_out)))
        fpr["max softmax (plain head)"].append(_fpr_at_95_tpr(
            _softmax(plain_in).max(-1), _softmax(plain_out).max(-1)))
        print(f"seed {seed}: FPR@95 " + ", ".join(
            f"{name} {runs[-1]:.3f}" for name, runs in fpr.items())
            + "; ID acc " + ", ".join(
                f"{name} {runs[-1]:.3f}" for name, runs in accuracy.items()))
    return {"fpr_at_95_tpr": fpr, "in_distribution_accuracy": accuracy,
            "in_distribution_digits": list(PRETRAIN_DIGITS),
            "out_of_distribution_digits": list(TRANSFER_DIGITS)}


# -- the pretrained digits CNN (flora, moment_probing_head) -----------------

def _digits_body(seed, width):
    """Two convolutions, mean pooling and a hidden Dense layer; `width` is
    the channels of the second convolution."""
    initializer = keras.initializers.HeUniform
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(16, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed),
                            name="conv_1"),
        keras.layers.Conv2D(width, 3, padding="same", activation="relu",
                            kernel_initializer=initializer(seed=seed + 1),
                            name="conv_2"),
        keras.layers.GlobalAveragePooling2D(name="mean_pooling"),
        keras.layers.Dense(64, activation="relu",
                           kernel_initializer=initializer(seed=seed + 2),
                           name="hidden"),
    ], name="body")


_PRETRAINED = {}


def _pretrained_body(seed, args):
    """The body pretrained with a head on the digits 0-4 (cached per seed
    and setting: both experiments start from the same network)."""
    key = (seed, args.cnn_width, args.pretrain_epochs)
    if key not in _PRETRAINED:
        x, y = _digits(seed)
        x_pre, y_pre = _subset(x, y, PRETRAIN_DIGITS)
        keras.utils.set_random_seed(seed)
        body = _digits_body(seed, args.cnn_width)
        model = keras.Sequential([body,
                                  keras.layers.Dense(len(PRETRAIN_DIGITS))])
        model.compile(optimizer=keras.optimizers.Adam(3e-3),
                      loss=_sparse_loss())
        model.fit(x_pre, y_pre, epochs=args.pretrain_epochs,
                  batch_size=args.batch_size, verbose=0)
        _PRETRAINED[key] = body.get_weights()
    body = _digits_body(seed, args.cnn_width)
    body.set_weights(_PRETRAINED[key])
    return body


def _transfer_splits(seed, args):
    """Few labelled digits 5-9 for training, a validation split to pick
    the learning rate, the rest for testing."""
    x, y = _digits(seed + 1000)
    x, y = _subset(x, y, TRANSFER_DIGITS)
    train, validation = args.transfer_train, args.transfer_validation
    return ((x[:train], y[:train]),
            (x[train:train + validation], y[train:train + validation]),
            (x[train + validation:], y[train + validation:]))


def _trained_scores(model, rate, splits, epochs, args):
    """Trains `model` with Adam at `rate` on the first of `splits` (train,
    validation, test); returns its validation and test accuracy."""
    train, validation, test = splits
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=_sparse_loss())
    model.fit(*train, epochs=epochs, batch_size=args.batch_size, verbose=0)
    return _accuracy(model, *validation), _accuracy(model, *test)


def _select_by_validation(fit_and_score, rates):
    """Runs `fit_and_score(rate) -> (validation acc, test acc)` for each
    rate; returns the test accuracy at the best validation accuracy and
    every rate's pair."""
    scores = {str(rate): fit_and_score(rate) for rate in rates}
    best = max(scores, key=lambda rate: scores[rate][0])
    return scores[best][1], best, scores


def _trained_count(model):
    return sum(int(np.prod(variable.shape))
               for variable in model.trainable_weights)


def _with_lora(body, rank):
    """A copy of `body` with Keras's LoRA on its convolutions and Dense
    layers; kernels and biases frozen, the LoRA factors trained."""
    copy = keras.models.clone_model(body)
    copy.set_weights(body.get_weights())
    for layer in copy.layers:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
            layer.enable_lora(rank)
            layer.bias.trainable = False
    return copy


def _adapted(method, body, args):
    if method == "FLoRA":
        return kerastricks.utils.enable_flora(body, rank=args.flora_rank,
                                              scale=args.flora_scale)
    if method == "LoRA (Keras enable_lora)":
        return _with_lora(body, args.lora_rank)
    body.trainable = False
    return body


FINE_TUNING_METHODS = ("FLoRA", "LoRA (Keras enable_lora)", "head only")


def flora(args):
    """Test accuracy per fine-tuning method and seed (each at its
    validation-picked learning rate), the picked rates and the trained
    weight counts."""
    accuracy = {method: [] for method in FINE_TUNING_METHODS}
    picked = {method: [] for method in FINE_TUNING_METHODS}
    sweeps = {method: [] for method in FINE_TUNING_METHODS}
    counts = {}
    for seed in range(args.seeds):
        train, validation, test = _transfer_splits(seed, args)
        for method in FINE_TUNING_METHODS:
            def fit_and_score(rate, method=method):
                keras.utils.set_random_seed(seed)
                body = _adapted(method, _pretrained_body(seed, args), args)
                model = keras.Sequential([
                    keras.Input((8, 8, 1)), body,
                    keras.layers.Dense(len(TRANSFER_DIGITS), name="new_head")])
                counts[method] = _trained_count(model)
                return _trained_scores(model, rate, (train, validation, test),
                                       args.transfer_epochs, args)

            score, rate, sweep = _select_by_validation(
                fit_and_score, args.transfer_learning_rates)
            accuracy[method].append(score)
            picked[method].append(float(rate))
            sweeps[method].append(sweep)
            print(f"seed {seed} {method}: test acc {score:.3f} at rate "
                  f"{rate} ({counts[method]} trained weights)")
    return {"test_accuracy": accuracy, "picked_learning_rate": picked,
            "validation_and_test_accuracy": sweeps,
            "trained_weights": counts}


# -- moment_probing_head ------------------------------------------------------

PROBES = {
    "Moment Probing": True,
    "linear probe (mean token)": False,
}


def moment_probing_head(args):
    """Test accuracy per probe and seed (each at its validation-picked
    learning rate), the picked rates and the trained weight counts."""
    accuracy = {name: [] for name in PROBES}
    picked = {name: [] for name in PROBES}
    counts = {}
    for seed in range(args.seeds):
        body = _pretrained_body(seed, args)
        feature_map = keras.Model(body.inputs,
                                  body.get_layer("conv_2").output)
        splits = [(feature_map.predict(x, verbose=0), y)
                  for x, y in _transfer_splits(seed, args)]
        train, validation, test = splits
        for name, second_order in PROBES.items():
            def fit_and_score(rate, second_order=second_order, name=name):
                keras.utils.set_random_seed(seed)
                model = keras.Sequential([
                    keras.Input(train[0].shape[1:]),
                    kerastricks.layers.MomentProbingHead(
                        len(TRANSFER_DIGITS), hidden_dim=args.mp_hidden_dim,
                        num_heads=args.mp_heads,
                        second_order=second_order)])
                counts[name] = _trained_count(model)
                return _trained_scores(model, rate, splits,
                                       args.probe_epochs, args)

            score, rate, _ = _select_by_validation(
                fit_and_score, args.probe_learning_rates)
            accuracy[name].append(score)
            picked[name].append(float(rate))
            print(f"seed {seed} {name}: test acc {score:.3f} at rate {rate}")
    return {"test_accuracy": accuracy, "picked_learning_rate": picked,
            "trained_weights": counts}


# -- multi_layer_trainable_pooling ---------------------------------------------

def _markov_sequences(count, length, transitions, rng):
    """Sequences of `length` tokens from one of the Markov chains (chosen
    at random for each), and the chain of each."""
    chains, vocabulary = transitions.shape[0], transitions.shape[1]
    chain = rng.integers(0, chains, count)
    tokens = np.empty((count, length), "int32")
    tokens[:, 0] = rng.integers(0, vocabulary, count)
    for step in range(1, length):
        probabilities = transitions[chain, tokens[:, step - 1]]
        cumulative = probabilities.cumsum(axis=-1)
        cumulative[:, -1] = 1.0  # no rounding gap above the last token
        tokens[:, step] = (rng.random((count, 1)) < cumulative).argmax(-1)
    return tokens, chain.astype("int32")


def _with_end_token(tokens, end_token):
    return np.concatenate(
        [tokens, np.full((len(tokens), 1), end_token, "int32")], axis=1)


def _noisy_view(tokens, fraction, vocabulary, rng):
    replace = rng.random(tokens.shape) < fraction
    return np.where(replace, rng.integers(0, vocabulary, tokens.shape),
                    tokens).astype("int32")


def _causal_transformer(args, seed):
    """Returns (language model, model of the last token's state at the
    embedding and after every block: (batch, blocks + 1, dim))."""
    dim = args.lm_dim
    tokens = keras.Input((args.sequence_length,), dtype="int32")
    hidden = keras.layers.Embedding(args.vocabulary, dim)(tokens)
    hidden = PositionEmbedding()(hidden)
    states = [hidden]
    for _ in range(args.lm_blocks):
        normed = keras.layers.LayerNormalization()(hidden)
        attended = keras.layers.MultiHeadAttention(
            num_heads=2, key_dim=dim // 2, seed=seed)(
                normed, normed, use_causal_mask=True)
        hidden = keras.layers.Add()([hidden, attended])
        normed = keras.layers.LayerNormalization()(hidden)
        expanded = keras.layers.Dense(4 * dim, activation="gelu")(normed)
        hidden = keras.layers.Add()([hidden, keras.layers.Dense(dim)(
            expanded)])
        states.append(hidden)
    logits = keras.layers.Dense(args.vocabulary)(
        keras.layers.LayerNormalization()(hidden))
    last_token = keras.layers.Lambda(
        lambda all_states: keras.ops.stack(
            [state[:, -1] for state in all_states], axis=1))(states)
    return (keras.Model(tokens, logits), keras.Model(tokens, last_token))


def _recall_at_1(queries, corpus):
    queries = queries / np.linalg.norm(queries, axis=-1, keepdims=True)
    corpus = corpus / np.linalg.norm(corpus, axis=-1, keepdims=True)
    nearest = np.argmax(queries @ corpus.T, axis=-1)
    return float(np.mean(nearest == np.arange(len(queries))))


POOLINGS = ("all layers", "last layer only")


def _pooling_model(states_shape, layers, args):
    """The pooling head over `layers` of the stacked states; the two views
    are stacked along the batch axis, as NT-Xent takes them."""
    first = keras.Input(states_shape)
    second = keras.Input(states_shape)
    pooling = kerastricks.layers.MultiLayerTrainablePooling(
        num_latents=args.pool_latents, num_heads=args.pool_heads,
        key_dim=args.lm_dim // args.pool_heads)
    chosen = keras.layers.Lambda(lambda states: states[:, layers])
    embedded = [pooling(chosen(view)) for view in (first, second)]
    return (keras.Model([first, second], keras.layers.Concatenate(axis=0)(
        embedded)), keras.Model(first, pooling(chosen(first))))


def _layer_states(args, seed):
    """Pretrains the language model and returns the last token's states
    at every layer for two noisy views of the retrieval sequences, split
    into (train, test) lists of two views each, and the model's loss.

    The content tokens come from Markov chains over all tokens but one,
    the end token, which closes every sequence. The model predicts the
    next token at every position, and at the end token the sequence's
    chain: its last layer at the end token is pretrained for a coarse
    summary, the item's tokens are only needed by the earlier layers."""
    rng = np.random.default_rng(seed)
    content_vocabulary = args.vocabulary - 1
    end_token = args.vocabulary - 1
    # Peaked random transition matrices: each chain favours a few
    # successors of every token.
    transitions = rng.gamma(0.2, size=(args.chains, content_vocabulary,
                                       content_vocabulary))
    transitions /= transitions.sum(axis=-1, keepdims=True)
    content_length = args.sequence_length - 1
    corpus, chains = _markov_sequences(args.lm_sequences, content_length,
                                       transitions, rng)
    inputs = _with_end_token(corpus, end_token)
    targets = np.concatenate(
        [corpus[:, 1:], np.full((len(corpus), 1), end_token, "int32"),
         chains[:, None]], axis=1)
    keras.utils.set_random_seed(seed)
    language_model, last_token = _causal_transformer(args, seed)
    language_model.compile(optimizer=keras.optimizers.Adam(3e-3),
                           loss=_sparse_loss())
    history = language_model.fit(inputs, targets, epochs=args.lm_epochs,
                                 batch_size=args.batch_size, verbose=0)
    items, _ = _markov_sequences(args.retrieval_train + args.retrieval_test,
                                 content_length, transitions, rng)
    views = [last_token.predict(_with_end_token(_noisy_view(
        items, args.view_noise, content_vocabulary, rng), end_token),
        verbose=0) for _ in range(2)]
    return ([view[:args.retrieval_train] for view in views],
            [view[args.retrieval_train:] for view in views],
            float(history.history["loss"][-1]))


def multi_layer_trainable_pooling(args):
    """Recall@1 per pooling and seed on the test sequences, and the
    language model's final training loss."""
    recall = {name: [] for name in POOLINGS}
    recall["last token, last layer, untrained"] = []
    lm_loss = []
    for seed in range(args.seeds):
        train, test, loss = _layer_states(args, seed)
        lm_loss.append(loss)
        recall["last token, last layer, untrained"].append(
            _recall_at_1(test[0][:, -1], test[1][:, -1]))
        blocks = args.lm_blocks + 1
        for name in POOLINGS:
            layers = list(range(blocks)) if name == "all layers" else [
                blocks - 1]
            keras.utils.set_random_seed(seed)
            model, encoder = _pooling_model(train[0].shape[1:], layers, args)
            model.compile(
                optimizer=keras.optimizers.Adam(args.pool_learning_rate),
                loss=kerastricks.losses.NTXentLoss(
                    temperature=args.pool_temperature))
            model.fit(train, np.zeros(len(train[0])),
                      epochs=args.pool_epochs,
                      batch_size=args.pool_batch_size, verbose=0)
            recall[name].append(_recall_at_1(
                encoder.predict(test[0], verbose=0),
                encoder.predict(test[1], verbose=0)))
        print(f"seed {seed}: LM loss {lm_loss[-1]:.3f}; recall@1 "
              + json.dumps({name: round(runs[-1], 3)
                            for name, runs in recall.items()}))
    return {"recall_at_1": recall, "language_model_loss": lm_loss,
            "test_sequences": args.retrieval_test}


EXPERIMENTS = {
    "abet": abet,
    "flora": flora,
    "moment_probing_head": moment_probing_head,
    "multi_layer_trainable_pooling": multi_layer_trainable_pooling,
}


def build_parser():
    parser = _records.experiments_parser(__doc__.split("\n")[0],
                                         EXPERIMENTS)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--abet-hidden-units", type=int, default=128)
    parser.add_argument("--abet-epochs", type=int, default=30)
    parser.add_argument("--abet-learning-rate", type=float, default=1e-3)
    parser.add_argument("--cnn-width", type=int, default=32)
    parser.add_argument("--pretrain-epochs", type=int, default=15)
    parser.add_argument("--transfer-train", type=int, default=200)
    parser.add_argument("--transfer-validation", type=int, default=200)
    parser.add_argument("--transfer-epochs", type=int, default=20)
    parser.add_argument("--transfer-learning-rates", type=float, nargs="+",
                        default=[1e-2, 3e-2, 1e-1])
    parser.add_argument("--flora-rank", type=int, default=4)
    parser.add_argument("--flora-scale", type=float, default=1.0)
    parser.add_argument("--lora-rank", type=int, default=3)
    parser.add_argument("--mp-hidden-dim", type=int, default=64)
    parser.add_argument("--mp-heads", type=int, default=4)
    parser.add_argument("--probe-epochs", type=int, default=30)
    parser.add_argument("--probe-learning-rates", type=float, nargs="+",
                        default=[3e-3, 1e-2, 3e-2, 1e-1, 3e-1])
    parser.add_argument("--vocabulary", type=int, default=32)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--sequence-length", type=int, default=16)
    parser.add_argument("--lm-dim", type=int, default=32)
    parser.add_argument("--lm-blocks", type=int, default=4)
    parser.add_argument("--lm-sequences", type=int, default=4000)
    parser.add_argument("--lm-epochs", type=int, default=10)
    parser.add_argument("--view-noise", type=float, default=0.2)
    parser.add_argument("--retrieval-train", type=int, default=2000)
    parser.add_argument("--retrieval-test", type=int, default=500)
    parser.add_argument("--pool-latents", type=int, default=16)
    parser.add_argument("--pool-heads", type=int, default=4)
    parser.add_argument("--pool-epochs", type=int, default=20)
    parser.add_argument("--pool-batch-size", type=int, default=128)
    parser.add_argument("--pool-learning-rate", type=float, default=1e-3)
    parser.add_argument("--pool-temperature", type=float, default=0.1)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    return _records.run_experiments("representation_claims", EXPERIMENTS,
                                    build_parser().parse_args(argv), argv)


if __name__ == "__main__":
    main()
