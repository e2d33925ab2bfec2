import numpy as np

from kerastricks.api_export import kerastricks_export
from kerastricks.utils import validation
from kerastricks.utils.optional_dependencies import import_optional


def _resize_nearest(saliency_map, height, width):
    rows = (np.arange(height) * saliency_map.shape[0]) // height
    columns = (np.arange(width) * saliency_map.shape[1]) // width
    return saliency_map[rows][:, columns]


@kerastricks_export("kerastricks.utils.saliency_overlay")
def saliency_overlay(image, saliency_map, path=None, alpha=0.5,
                     colormap="jet"):
    """Blends a saliency map over its image; optionally writes a PNG.

    The map (any resolution: Grad-CAM and NormGrad maps are at their
    layer's) is resized to the image by nearest neighbour, scaled to [0, 1]
    by its own minimum and maximum, coloured with a matplotlib colormap and
    blended: `overlay = (1 - alpha) * image + alpha * colour(map)`. Needs
    matplotlib (`pip install 'kerastricks[recipes]'`).

    ```python
    m = resize(saliency_map, image size); m = (m - min m) / (max m - min m)
    overlay = (1 - alpha) * gray_to_rgb(image / max image) + alpha * cmap(m)
    ```

    Args:
        image: array `(height, width)` or `(height, width, 1 or 3)`,
            non-negative values (scaled by its maximum).
        saliency_map: 2-D array.
        path: optional str, where to write the overlay as a PNG. Defaults
            to `None`.
        alpha: float in [0, 1], the weight of the map. Defaults to `0.5`.
        colormap: str, a matplotlib colormap name. Defaults to `"jet"`.

    Returns:
        The overlay, a float NumPy array `(height, width, 3)` in [0, 1].

    Example:

    >>> overlay = kerastricks.utils.saliency_overlay(
    ...     np.random.rand(8, 8), np.random.rand(4, 4))
    >>> overlay.shape
    (8, 8, 3)

    References:
        - [Selvaraju et al., 2017](https://arxiv.org/abs/1610.02391),
          "Grad-CAM: Visual Explanations from Deep Networks via
          Gradient-based Localization" (the heat-map overlay).
    """
    validation.check_in_range("alpha", alpha, low=0, high=1)
    image = np.asarray(image, "float64")
    saliency_map = np.asarray(saliency_map, "float64")
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise ValueError(
            "Argument `image` must have shape (height, width) or (height, "
            f"width, 1 or 3). Received: image of shape {image.shape}")
    if saliency_map.ndim != 2:
        raise ValueError(
            "Argument `saliency_map` must be 2-D. Received: saliency_map "
            f"of shape {saliency_map.shape}")
    colormaps = import_optional("matplotlib", "saliency_overlay").colormaps
    if colormap not in colormaps:
        raise ValueError(
            "Argument `colormap` must name a matplotlib colormap, e.g. "
            f"'jet' or 'viridis'. Received: colormap={colormap!r}")
    resized = _resize_nearest(saliency_map, *image.shape[:2])
    spread = resized.max() - resized.min()
    scaled = (resized - resized.min()) / spread if spread > 0 else (
        np.zeros_like(resized))
    peak = image.max()
    base = image / peak if peak > 0 else image
    colours = colormaps[colormap](scaled)[..., :3]
    overlay = np.clip((1 - alpha) * base + alpha * colours, 0.0, 1.0)
    if path is not None:
        import_optional("matplotlib.pyplot", "saliency_overlay").imsave(
            str(path), overlay)
    return overlay
