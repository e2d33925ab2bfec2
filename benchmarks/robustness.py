"""Clean and attacked accuracy of each defense of the robust_classifier
recipe, trained side by side in one run.

Trains the recipe's CNN on scikit-learn's bundled 8x8 digits (offline;
pixels in [0, 1], the recipe's train/validation split, the validation
images as the test set) under each `defense` (none, defensive
distillation, FGSM and PGD adversarial training) for the same number of
epochs, then measures on the held-out images:

- clean accuracy;
- FGSM robust accuracy: accuracy on `kerastricks.ops.adversarial_examples`
  with `attack="fgsm"` at `--epsilon`, against each trained classifier
  (white box, inference mode);
- PGD robust accuracy: the same with `--pgd-steps` steps of
  `epsilon / 4` from a random start.

    KERAS_BACKEND=jax python -m benchmarks.robustness --epochs 10
"""

import argparse

import keras
import numpy as np

import kerastricks
from benchmarks import _records
from kerastricks.recipes.robust_classifier import RobustClassifierRecipe
from kerastricks.recipes.robust_classifier.robust_classifier import INPUT_RANGE

DEFENSES = ("none", "distillation", "fgsm", "pgd")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=3e-3)
    parser.add_argument("--width", type=int, default=16,
                        help="the recipe's cnn_width")
    parser.add_argument("--epsilon", type=float, default=0.1,
                        help="attack and training radius (pixels in [0, 1])")
    parser.add_argument("--pgd-steps", type=int, default=10,
                        help="steps of the evaluation attack")
    parser.add_argument("--seed", type=int, default=0)
    _records.add_arguments(parser)
    return parser


def robust_accuracy(classifier, x, y, attack, epsilon, steps, seed):
    """Accuracy on adversarial examples made against `classifier`."""
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def attacked_loss(inputs):
        return loss(y, classifier(inputs, training=False))

    x_adv = kerastricks.ops.adversarial_examples(
        attacked_loss, x, attack=attack, epsilon=epsilon,
        step_size=epsilon / 4, steps=steps, input_range=INPUT_RANGE,
        seed=seed)
    return accuracy(classifier, x_adv, y)


def accuracy(classifier, x, y):
    logits = keras.ops.convert_to_numpy(classifier(x, training=False))
    return float(np.mean(np.argmax(logits, axis=-1) == y))


def train(defense, data, args):
    keras.utils.set_random_seed(args.seed)
    recipe = RobustClassifierRecipe().set_hyperparameters(
        defense=defense, cnn_width=args.width,
        learning_rate=args.learning_rate,
        **({"adversarial_epsilon": args.epsilon}
           if defense in ("fgsm", "pgd") else {}))
    model = recipe.build(recipe.hyperparameters)
    recipe.fit(recipe.hyperparameters, model, *data["train"],
               epochs=args.epochs, batch_size=args.batch_size, verbose=0)
    return getattr(model, "inner", model)


def main(argv=None):
    args = build_parser().parse_args(argv)
    record = _records.start("robustness", args, argv)
    data = RobustClassifierRecipe().load_data(seed=args.seed)
    x_test, y_test = data["validation"]
    print(f"# digits CNN (width {args.width}), {args.epochs} epochs, "
          f"epsilon {args.epsilon}, backend {keras.config.backend()}")
    print(f"{'defense':<14}{'clean':>8}{'FGSM':>8}{'PGD':>8}")
    results = {}
    for defense in DEFENSES:
        classifier = train(defense, data, args)
        row = {
            "clean_accuracy": accuracy(classifier, x_test, y_test),
            "fgsm_accuracy": robust_accuracy(
                classifier, x_test, y_test, "fgsm", args.epsilon, 1,
                args.seed),
            "pgd_accuracy": robust_accuracy(
                classifier, x_test, y_test, "pgd", args.epsilon,
                args.pgd_steps, args.seed),
        }
        results[defense] = row
        print(f"{defense:<14}{row['clean_accuracy']:>8.4f}"
              f"{row['fgsm_accuracy']:>8.4f}{row['pgd_accuracy']:>8.4f}",
              flush=True)
    _records.finish(record, {
        "train_examples": len(data["train"][0]),
        "test_examples": len(x_test), "defenses": results})
    return results


if __name__ == "__main__":
    main()
