import json

import keras
import numpy as np
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.callbacks._probe_curves import check_loss_fn
from kerastricks.callbacks._probe_curves import serialize_loss
from kerastricks.callbacks._probe_curves import with_deserialized_loss
from kerastricks.ops.opposing_signals import opposing_signals
from kerastricks.utils import validation

# A check joins a pair when at least this share of each of its groups is
# among the examples already seen in the pair's groups.
_SAME_GROUP = 0.5


def _overlap(first, second):
    return len(first & second) / max(min(len(first), len(second)), 1)


@kerastricks_export("kerastricks.callbacks.OpposingSignalsMonitor")
class OpposingSignalsMonitor(keras.callbacks.Callback):
    """Finds paired groups of examples whose losses swing in opposite ways.

    "Outliers with Opposing Signals" shows that a few paired groups of
    training examples with strong *opposing signals* (a large, consistent
    feature, such as a sky background, that pulls one group toward one class
    and the other group toward another) dominate optimization: training
    balances them in a narrow valley, then their losses oscillate, high on
    one group and then on the other, driving sharpening and loss spikes.
    The paper finds them by tracking every example's loss from step to step
    and taking the examples with the largest increase and the largest
    decrease. This callback does that on a fixed probe set every
    `frequency` steps, logs how much of the loss movement the two groups
    carry, and at the end of training reports the pairs that recur (the
    groups swapping roles is the oscillation), with their examples, labels
    and loss trajectories, as JSON.

    ```python
    every `frequency` steps t:
        loss_t = per_example_loss(y_probe, model.predict(x_probe))
        change = loss_t - loss_{t-frequency}
        up, down = top_k(change, k), top_k(-change, k)
        strength = 2k min(mean change[up], -mean change[down]) / sum |change|
    pairs: checks by decreasing strength; a check joins a pair when half of
        each of its groups was already seen in the pair's groups (either
        way round); a pair's groups keep the examples that recur at least
        half as often as the most persistent one
    ```

    Logs `opposing_signals_strength` (in [0, 1]) in the batch logs of each
    check and, in the epoch logs, the largest of the epoch's checks.

    Args:
        probe_data: tuple `(x, y)` of NumPy arrays, a fixed sample of the
            training set (the paper tracks the whole training set; a broad
            sample of a few thousand examples is enough) with the labels
            the loss takes.
        top_k: positive int, the size of each group (at most half the
            probe). Defaults to `20`.
        frequency: positive int, measure every this many training steps
            (the paper compares consecutive steps). Defaults to `1`.
        num_pairs: positive int, the number of distinct pairs to report.
            Defaults to `5`.
        loss_fn: `None` (the model's compiled loss), a Keras loss name, a
            `keras.losses.Loss` or a function `(y_true, y_pred)` returning
            per-example losses. Defaults to `None`.
        batch_size: positive int for predicting on the probe. Defaults to
            `256`.
        report_path: str or `None`, where to write the JSON report at the
            end of training. Defaults to `None` (call `report()`).

    Example:

    >>> x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    >>> y = np.arange(32) % 2
    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> model.compile(optimizer="sgd", loss=keras.losses.
    ...               SparseCategoricalCrossentropy(from_logits=True))
    >>> monitor = kerastricks.callbacks.OpposingSignalsMonitor((x, y),
    ...                                                        top_k=4)
    >>> history = model.fit(x, y, epochs=2, batch_size=8, verbose=0,
    ...                     callbacks=[monitor])
    >>> len(monitor.report()["steps"])
    9

    References:
        - [Rosenfeld & Risteski, 2024](https://arxiv.org/abs/2311.04163),
          "Outliers with Opposing Signals Have an Outsized Effect on Neural
          Network Optimization", ICLR 2024.
    """

    def __init__(self, probe_data, top_k=20, frequency=1, num_pairs=5,
                 loss_fn=None, batch_size=256, report_path=None):
        super().__init__()
        self.probe_data = validation.check_examples("probe_data",
                                                    probe_data)
        self.top_k = validation.check_positive_int("top_k", top_k)
        if 2 * top_k > len(self.probe_data[0]):
            raise ValueError(
                "Argument `top_k` must be at most half the probe size "
                f"({len(self.probe_data[0])} examples). "
                f"Received: top_k={top_k}"
            )
        self.frequency = validation.check_positive_int("frequency",
                                                       frequency)
        self.num_pairs = validation.check_positive_int("num_pairs",
                                                       num_pairs)
        self.loss_fn = check_loss_fn(loss_fn)
        self.batch_size = validation.check_positive_int("batch_size",
                                                        batch_size)
        if report_path is not None and not isinstance(report_path, str):
            raise TypeError(
                "Argument `report_path` must be a str or None. "
                f"Received: report_path={report_path!r}"
            )
        self.report_path = report_path
        self._reset()

    def _reset(self):
        self._step = 0
        self._steps = []
        self._losses = []
        self._checks = []
        self._epoch_strengths = []

    @property
    def history(self):
        """One dict per check: `step`, `strength`, `increased`,
        `decreased` (probe indices)."""
        return list(self._checks)

    def _per_example_loss_fn(self):
        loss = self.loss_fn if self.loss_fn is not None else self.model.loss
        if isinstance(loss, str):
            loss = keras.losses.get(loss)
        if isinstance(loss, keras.losses.Loss):
            # `call` is the unreduced, per-example part of a Loss.
            return loss.call
        if not callable(loss):
            raise ValueError(
                "OpposingSignalsMonitor needs one per-example loss: pass "
                "`loss_fn` or compile the model with a single loss. "
                f"Received: model.loss={loss!r}"
            )
        return loss

    def _measure(self):
        x, y = self.probe_data
        outputs = self.model.predict(x, batch_size=self.batch_size,
                                     verbose=0)
        losses = self._per_example_loss_fn()(
            ops.convert_to_tensor(y), ops.cast(outputs, "float32")
        )
        losses = ops.convert_to_numpy(ops.cast(losses, "float32"))
        losses = losses.reshape(len(x), -1).mean(axis=1)
        self._steps.append(self._step)
        self._losses.append(losses)

    def on_train_begin(self, logs=None):
        self._reset()
        self._measure()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_strengths = []

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self._step % self.frequency:
            return
        self._measure()
        increased, decreased, strength = (
            ops.convert_to_numpy(value) for value in opposing_signals(
                self._losses[-1] - self._losses[-2], self.top_k)
        )
        strength = float(strength)
        self._checks.append({
            "step": self._step,
            "strength": strength,
            "increased": increased.tolist(),
            "decreased": decreased.tolist(),
        })
        self._epoch_strengths.append(strength)
        if logs is not None:
            logs["opposing_signals_strength"] = strength

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or not self._checks:
            return
        logs["opposing_signals_strength"] = max(
            self._epoch_strengths or [self._checks[-1]["strength"]]
        )

    def on_train_end(self, logs=None):
        if self.report_path is not None:
            with open(self.report_path, "w") as handle:
                json.dump(self.report(), handle, indent=1)

    def _pairs(self):
        pairs = []
        for check in sorted(self._checks, key=lambda c: -c["strength"]):
            up, down = set(check["increased"]), set(check["decreased"])
            for pair in pairs:
                first, second = pair["seen"]
                if (_overlap(up, first) >= _SAME_GROUP
                        and _overlap(down, second) >= _SAME_GROUP):
                    member = (check, up, down, False)
                elif (_overlap(up, second) >= _SAME_GROUP
                        and _overlap(down, first) >= _SAME_GROUP):
                    member = (check, down, up, True)
                else:
                    continue
                pair["members"].append(member)
                first.update(member[1])
                second.update(member[2])
                break
            else:
                if len(pairs) < self.num_pairs:
                    pairs.append({"seen": (set(up), set(down)),
                                  "members": [(check, up, down, False)]})
        return pairs

    def _group(self, members, side, losses):
        counts = {}
        for member in members:
            for index in member[1 + side]:
                counts[index] = counts.get(index, 0) + 1
        # Members rotate in and out of the top k; keep those that recur at
        # least half as often as the most persistent one.
        most = max(counts.values())
        indices = sorted(i for i, c in counts.items() if 2 * c >= most)
        return {
            "indices": indices,
            "labels": self.probe_data[1][indices].tolist(),
            "counts": [counts[i] for i in indices],
            "mean_loss": losses[:, indices].mean(axis=1).tolist(),
            "loss": losses[:, indices].T.tolist(),
        }

    def report(self):
        """The JSON-ready report: the check steps, strengths and mean probe
        loss, and the `num_pairs` strongest distinct pairs, each with its
        two groups (indices, labels, per-example and mean loss
        trajectories at every measured step), its strength, the steps at
        which it recurred and how often the groups swapped roles."""
        losses = np.asarray(self._losses)
        pairs = []
        for pair in self._pairs():
            members = pair["members"]
            pairs.append({
                "strength": members[0][0]["strength"],
                "step": members[0][0]["step"],
                "occurrences": len(members),
                "swaps": sum(member[3] for member in members),
                "steps": sorted(member[0]["step"] for member in members),
                "groups": [self._group(members, side, losses)
                           for side in (0, 1)],
            })
        return {
            "top_k": self.top_k,
            "frequency": self.frequency,
            "steps": list(self._steps),
            # Aligned with `steps`; the first measurement has no change.
            "strength": [None] * (len(self._steps) - len(self._checks))
            + [c["strength"] for c in self._checks],
            "mean_loss": [float(np.mean(loss)) for loss in self._losses],
            "pairs": pairs,
        }

    def get_config(self):
        x, y = self.probe_data
        return {
            "probe_data": (x.tolist(), y.tolist()),
            "top_k": self.top_k,
            "frequency": self.frequency,
            "num_pairs": self.num_pairs,
            "loss_fn": serialize_loss(self.loss_fn),
            "batch_size": self.batch_size,
            "report_path": self.report_path,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**with_deserialized_loss(config))
