from kerastricks.utils import validation
from kerastricks.utils.class_aware_iterative_pruning import (
    class_aware_iterative_pruning,
)
from kerastricks.utils.diagonal_fisher import diagonal_fisher
from kerastricks.utils.enable_flora import enable_flora
from kerastricks.utils.export_timm_poolformer_weights import (
    export_timm_poolformer_weights,
)
from kerastricks.utils.fisher_merge import fisher_merge
from kerastricks.utils.grad_cam import grad_cam
from kerastricks.utils.input_gradient_saliency import input_gradient_saliency
from kerastricks.utils.interpolation_barrier import interpolation_barrier
from kerastricks.utils.interval_bounds import interval_bounds
from kerastricks.utils.layerwise_interpolation_barrier import (
    layerwise_interpolation_barrier,
)
from kerastricks.utils.load_timm_poolformer_weights import (
    load_timm_poolformer_weights,
)
from kerastricks.utils.nero_evaluation import nero_evaluation
from kerastricks.utils.norm_grad import norm_grad
from kerastricks.utils.prototype_scores import prototype_scores
from kerastricks.utils.saliency_overlay import saliency_overlay
from kerastricks.utils.scale_learning_rate import scale_learning_rate
from kerastricks.utils.select_kept_indices import select_kept_indices
from kerastricks.utils.three_regime_pruning import three_regime_pruning
from kerastricks.utils.train_only_batchnorm import train_only_batchnorm

__all__ = [
    "diagonal_fisher",
    "enable_flora",
    "export_timm_poolformer_weights",
    "fisher_merge",
    "grad_cam",
    "input_gradient_saliency",
    "interval_bounds",
    "load_timm_poolformer_weights",
    "nero_evaluation",
    "norm_grad",
    "prototype_scores",
    "saliency_overlay",
    "scale_learning_rate",
    "select_kept_indices",
    "train_only_batchnorm",
    "class_aware_iterative_pruning",
    "interpolation_barrier",
    "layerwise_interpolation_barrier",
    "three_regime_pruning",
]
