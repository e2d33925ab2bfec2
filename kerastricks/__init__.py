"""kerastricks: recent deep-learning research as Keras 3 components."""

from kerastricks import activations
from kerastricks import callbacks
from kerastricks import layers
from kerastricks import losses
from kerastricks import models
from kerastricks import ops
from kerastricks import optimizers
from kerastricks import utils
from kerastricks.version import __version__
