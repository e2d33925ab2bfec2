import math
import os

from kerastricks.api_export import kerastricks_export
from kerastricks.utils.optional_dependencies import import_optional

_REQUIRED_KEYS = ("learning_rates", "final_loss", "lr_sensitivity",
                  "initial_loss")


def _is_finite(loss):
    return loss is not None and math.isfinite(loss)


@kerastricks_export("kerastricks.utils.plot_lr_sensitivity")
def plot_lr_sensitivity(results, path, title=None, ylabel=None):
    """Plots the final loss against the learning rate, as a PNG.

    One curve per variant of a `lr_sensitivity_sweep` result: the
    LR-sensitivity plot of Figure 1 of "Small-scale proxies for
    large-scale Transformer training instabilities". As in the paper, a
    run that ends above the loss at initialization `l0` or diverges is
    drawn at `l0` (and marked with a cross), so the scale stays readable;
    each curve's label carries its LR sensitivity.

    ```python
    for each variant:
        plot(learning_rates, [min(l, l0) or l0 if diverged for l in losses])
    axhline(l0); log x axis
    ```

    Args:
        results: dict returned by `kerastricks.utils.lr_sensitivity_sweep`
            (keys `learning_rates`, `final_loss`, `lr_sensitivity`,
            `initial_loss`).
        path: str or path-like, where to write the PNG.
        title: str or `None`, the plot title. Defaults to `None` (a
            generic one).
        ylabel: str or `None`, the y-axis label. Defaults to `None` (the
            swept metric's name).

    Returns:
        `path`.

    Example:

    >>> results = {"learning_rates": [1e-3, 1e-2, 1e-1],
    ...            "final_loss": {"model": [2.0, 1.5, float("nan")]},
    ...            "lr_sensitivity": {"model": 0.5},
    ...            "initial_loss": 2.5, "metric": "val_loss"}
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "sweep.png")
    >>> kerastricks.utils.plot_lr_sensitivity(results, path) == path
    True

    References:
        - [Wortsman et al., 2023](https://arxiv.org/abs/2309.14322),
          "Small-scale proxies for large-scale Transformer training
          instabilities", ICLR 2024, Figure 1.
    """
    if not isinstance(results, dict) or any(
            key not in results for key in _REQUIRED_KEYS):
        raise ValueError(
            "Argument `results` must be the dict lr_sensitivity_sweep "
            f"returns, with keys {list(_REQUIRED_KEYS)}. Received: results="
            f"{results!r}"
        )
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or path-like. "
                        f"Received: path={path!r}")
    for name, value in (("title", title), ("ylabel", ylabel)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"Argument `{name}` must be a str or None. "
                            f"Received: {name}={value!r}")
    figure_module = import_optional("matplotlib.figure",
                                    "plot_lr_sensitivity")
    figure = figure_module.Figure(figsize=(5, 3.5))
    axes = figure.add_subplot()
    rates = results["learning_rates"]
    ceiling = results["initial_loss"]
    for index, (variant, losses) in enumerate(
            results["final_loss"].items()):
        capped = [min(loss, ceiling) if _is_finite(loss) else ceiling
                  for loss in losses]
        sensitivity = results["lr_sensitivity"][variant]
        axes.plot(rates, capped, marker="o", color=f"C{index}",
                  label=f"{variant} (LR sensitivity {sensitivity:.3f})")
        failed = [rate for rate, loss in zip(rates, losses)
                  if not _is_finite(loss) or loss >= ceiling]
        if failed:
            axes.scatter(failed, [ceiling] * len(failed), marker="x", s=80,
                         color=f"C{index}")
    axes.axhline(ceiling, color="gray", linestyle=":",
                 label="loss at initialization")
    axes.set_xscale("log")
    axes.set_xlabel("peak learning rate")
    axes.set_ylabel(ylabel or f"final {results.get('metric', 'loss')}")
    axes.set_title(title or "LR sensitivity")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(str(path), format="png", dpi=100)
    return path
