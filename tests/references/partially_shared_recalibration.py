"""NumPy reference of MP+'s partially shared recalibration (PSRP), written
from the paper's equations: a shared bottleneck, then a scale and a shift
of the branch output."""

import numpy as np


def recalibrate(inputs, features, down_kernel, scale_kernel, shift_kernel):
    hidden = np.maximum(inputs @ down_kernel, 0.0)
    return (1.0 + hidden @ scale_kernel) * features + hidden @ shift_kernel
