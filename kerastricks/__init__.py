"""kerastricks: recent deep-learning research as Keras 3 components."""

from kerastricks import activations
from kerastricks import callbacks
from kerastricks import layers
from kerastricks import losses
from kerastricks import metrics
from kerastricks import models
from kerastricks import ops
from kerastricks import optimizers
from kerastricks import schedules
from kerastricks import utils

# The Keras objects of saved recipe models (they need only Keras): loading a
# run folder's model.keras needs `import kerastricks`, not the recipes.
from kerastricks.recipes import layers as _recipe_layers
from kerastricks.recipes import metrics as _recipe_metrics
from kerastricks.version import __version__
