from kerastricks.utils import validation
from kerastricks.utils.class_aware_iterative_pruning import (
    class_aware_iterative_pruning,
)
from kerastricks.utils.coordinate_check import coordinate_check
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
from kerastricks.utils.intrinsic_dimension_search import (
    intrinsic_dimension_search,
)
from kerastricks.utils.layerwise_interpolation_barrier import (
    layerwise_interpolation_barrier,
)
from kerastricks.utils.load_timm_poolformer_weights import (
    load_timm_poolformer_weights,
)
from kerastricks.utils.lr_sensitivity import lr_sensitivity
from kerastricks.utils.lr_sensitivity_sweep import lr_sensitivity_sweep
from kerastricks.utils.mup_learning_rate_multipliers import (
    mup_learning_rate_multipliers,
)
from kerastricks.utils.mup_variable_roles import mup_variable_roles
from kerastricks.utils.nero_evaluation import nero_evaluation
from kerastricks.utils.norm_grad import norm_grad
from kerastricks.utils.plot_lr_sensitivity import plot_lr_sensitivity
from kerastricks.utils.prototype_scores import prototype_scores
from kerastricks.utils.reusable_holdout import ReusableHoldout
from kerastricks.utils.saliency_overlay import saliency_overlay
from kerastricks.utils.scale_learning_rate import scale_learning_rate
from kerastricks.utils.select_kept_indices import select_kept_indices
from kerastricks.utils.three_regime_pruning import three_regime_pruning
from kerastricks.utils.thresholdout_oracle import ThresholdoutOracle
from kerastricks.utils.train_only_batchnorm import train_only_batchnorm

__all__ = [
    "class_aware_iterative_pruning",
    "coordinate_check",
    "diagonal_fisher",
    "enable_flora",
    "export_timm_poolformer_weights",
    "fisher_merge",
    "grad_cam",
    "input_gradient_saliency",
    "interpolation_barrier",
    "interval_bounds",
    "intrinsic_dimension_search",
    "layerwise_interpolation_barrier",
    "load_timm_poolformer_weights",
    "lr_sensitivity",
    "lr_sensitivity_sweep",
    "mup_learning_rate_multipliers",
    "mup_variable_roles",
    "nero_evaluation",
    "norm_grad",
    "plot_lr_sensitivity",
    "prototype_scores",
    "ReusableHoldout",
    "saliency_overlay",
    "scale_learning_rate",
    "select_kept_indices",
    "three_regime_pruning",
    "ThresholdoutOracle",
    "train_only_batchnorm",
]
