"""Training throughput of a recipe model in Keras against the same network
written in plain JAX, in one run.

The network is the `image_classifier` recipe's baseline preset (a ResNet of
`--stages` stages of one basic block each, `--width` channels, BatchNorm
with momentum 0.9, global average pooling, a dense head; Adam at 1e-3). The
Keras side is exactly what `recipes.load("image_classifier", ...)` returns,
trained with `model.fit`; the JAX side is a hand-written `jax.jit` step
(lax convolutions, batch statistics, Adam) on the same data. Prints
images/s of each and the ratio; `--repeats` alternates the two
measurements that many times:

    KERAS_BACKEND=jax python -m benchmarks.recipe_throughput
"""

import argparse
import functools
import time

import keras
import numpy as np

from benchmarks import _records
from kerastricks import recipes


def keras_images_per_second(x, y, width, stages, batch_size, epochs):
    model = recipes.load("image_classifier", preset="image_classifier_"
                         "baseline", input_shape=x.shape[1:],
                         num_classes=int(y.max()) + 1, resnet_width=width,
                         resnet_stages=stages)
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)  # compile
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return epochs * len(x) / (time.perf_counter() - start)


def jax_images_per_second(x, y, width, stages, batch_size, epochs):
    import jax
    import jax.numpy as jnp

    key = jax.random.PRNGKey(0)
    params, stats = {}, {}

    def conv_weight(name, kernel, c_in, c_out):
        nonlocal key
        key, sub = jax.random.split(key)
        limit = np.sqrt(6.0 / (kernel * kernel * (c_in + c_out)))
        params[name] = jax.random.uniform(
            sub, (kernel, kernel, c_in, c_out), minval=-limit, maxval=limit)

    def norm(name, channels):
        params[name + "/gamma"] = jnp.ones(channels)
        params[name + "/beta"] = jnp.zeros(channels)
        stats[name + "/mean"] = jnp.zeros(channels)
        stats[name + "/variance"] = jnp.ones(channels)

    channels = x.shape[-1]
    conv_weight("stem", 3, channels, width)
    norm("stem_bn", width)
    blocks = []
    c_in = width
    for stage in range(stages):
        c_out, strides = width * 2**stage, 1 if stage == 0 else 2
        name = f"block{stage}"
        conv_weight(name + "/conv1", 3, c_in, c_out)
        norm(name + "/bn1", c_out)
        conv_weight(name + "/conv2", 3, c_out, c_out)
        norm(name + "/bn2", c_out)
        shortcut = strides != 1 or c_in != c_out
        if shortcut:
            conv_weight(name + "/shortcut", 1, c_in, c_out)
            norm(name + "/shortcut_bn", c_out)
        blocks.append((name, strides, shortcut))
        c_in = c_out
    classes = int(y.max()) + 1
    limit = np.sqrt(6.0 / (c_in + classes))
    params["head/kernel"] = jax.random.uniform(key, (c_in, classes),
                                               minval=-limit, maxval=limit)
    params["head/bias"] = jnp.zeros(classes)

    def conv(inputs, weight, strides):
        return jax.lax.conv_general_dilated(
            inputs, weight, (strides, strides), "SAME",
            dimension_numbers=("NHWC", "HWIO", "NHWC"))

    def batch_norm(inputs, p, s, name, new_stats):
        mean = inputs.mean(axis=(0, 1, 2))
        variance = inputs.var(axis=(0, 1, 2))
        new_stats[name + "/mean"] = 0.9 * s[name + "/mean"] + 0.1 * mean
        new_stats[name + "/variance"] = (0.9 * s[name + "/variance"]
                                         + 0.1 * variance)
        normalized = (inputs - mean) * jax.lax.rsqrt(variance + 1e-3)
        return normalized * p[name + "/gamma"] + p[name + "/beta"]

    def loss_fn(p, s, images, labels):
        new_stats = {}
        h = jax.nn.relu(batch_norm(conv(images, p["stem"], 1), p, s,
                                   "stem_bn", new_stats))
        for name, strides, shortcut in blocks:
            out = jax.nn.relu(batch_norm(conv(h, p[name + "/conv1"], strides),
                                         p, s, name + "/bn1", new_stats))
            out = batch_norm(conv(out, p[name + "/conv2"], 1), p, s,
                             name + "/bn2", new_stats)
            if shortcut:
                h = batch_norm(conv(h, p[name + "/shortcut"], strides), p, s,
                               name + "/shortcut_bn", new_stats)
            h = jax.nn.relu(out + h)
        logits = h.mean(axis=(1, 2)) @ p["head/kernel"] + p["head/bias"]
        log_probabilities = jax.nn.log_softmax(logits)
        loss = -jnp.take_along_axis(log_probabilities, labels[:, None],
                                    axis=1).mean()
        return loss, new_stats

    # Donating the state lets XLA update it in place, as Keras's step does.
    @functools.partial(jax.jit, donate_argnums=(0, 1, 2, 3, 4))
    def step(p, s, m, v, t, images, labels):
        (loss, new_stats), grads = jax.value_and_grad(
            loss_fn, has_aux=True)(p, s, images, labels)
        t = t + 1
        m = jax.tree.map(lambda m_, g: 0.9 * m_ + 0.1 * g, m, grads)
        v = jax.tree.map(lambda v_, g: 0.999 * v_ + 0.001 * g * g, v, grads)
        rate = 1e-3 * jnp.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        p = jax.tree.map(lambda p_, m_, v_: p_ - rate * m_
                         / (jnp.sqrt(v_) + 1e-7), p, m, v)
        return p, new_stats, m, v, t, loss

    m = jax.tree.map(jnp.zeros_like, params)
    v = jax.tree.map(jnp.zeros_like, params)
    t = jnp.zeros((), "float32")
    batches = [(jnp.asarray(x[i:i + batch_size]),
                jnp.asarray(y[i:i + batch_size]))
               for i in range(0, len(x) - batch_size + 1, batch_size)]

    def run_epoch(state):
        for images, labels in batches:
            state = step(*state, images, labels)[:5]
        jax.block_until_ready(state)
        return state

    state = run_epoch((params, stats, m, v, t))  # compile
    start = time.perf_counter()
    for _ in range(epochs):
        state = run_epoch(state)
    return epochs * len(batches) * batch_size / (time.perf_counter() - start)


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--stages", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    _records.add_arguments(parser)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    if keras.config.backend() != "jax":
        raise SystemExit("recipe_throughput compares against plain JAX: run "
                         "it with KERAS_BACKEND=jax")
    import jax

    record = _records.start("recipe_throughput", args, argv)
    rng = np.random.default_rng(0)
    size = args.image_size
    x = rng.uniform(size=(args.images, size, size, args.channels)).astype(
        "float32")
    y = rng.integers(0, 10, size=(args.images,)).astype("int32")
    device = jax.devices()[0]
    print(f"backend jax {jax.__version__}, keras {keras.__version__}, "
          f"device {device.platform}:{device.device_kind}")
    print(f"ResNet width {args.width}, {args.stages} stages, "
          f"{size}x{size}x{args.channels}, batch {args.batch_size}")
    common = (x, y, args.width, args.stages, args.batch_size, args.epochs)
    rates = {"plain_jax": [], "keras": []}
    print(f"{'implementation':<26}{'images/s':>10}{'ratio':>8}")
    for _ in range(args.repeats):
        plain = jax_images_per_second(*common)
        keras_rate = keras_images_per_second(*common)
        print(f"{'plain JAX (hand-written)':<26}{plain:>10.0f}{1.0:>8.2f}")
        print(f"{'Keras recipe (model.fit)':<26}{keras_rate:>10.0f}"
              f"{keras_rate / plain:>8.2f}")
        rates["plain_jax"].append(plain)
        rates["keras"].append(keras_rate)
    _records.finish(record, {"images_per_second": rates,
                             "jax_device": f"{device.platform}:"
                                           f"{device.device_kind}"})
    return rates


if __name__ == "__main__":
    main()
