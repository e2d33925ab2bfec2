"""NumPy references for SAM/ASAM (Foret et al., arXiv 2010.01412; Kwon et
al., arXiv 2102.11600) and the SAF/MESA trajectory loss (Du et al., arXiv
2205.14083), written from the papers' equations; no keras here."""

import numpy as np


def np_sharpness_aware_perturbation(gradients, params, rho, adaptive=False,
                                    eta=0.0, epsilon=1e-12,
                                    adaptive_mask=None):
    """e = rho T^2 g / (||T g|| + epsilon) over all tensors, T = 1 (SAM) or
    |w| + eta (ASAM) on the tensors `adaptive_mask` selects."""
    if adaptive_mask is None:
        adaptive_mask = [True] * len(params)
    normalizers = [
        np.abs(w) + eta if adaptive and scaled else np.ones_like(w)
        for w, scaled in zip(params, adaptive_mask)
    ]
    norm = np.sqrt(sum(np.sum((t * g) ** 2)
                       for t, g in zip(normalizers, gradients)))
    return [rho * t**2 * g / (norm + epsilon)
            for t, g in zip(normalizers, gradients)]


def np_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def np_softmax_regression(kernel, bias, x, labels):
    """Mean cross-entropy of logits `x @ kernel + bias` and its gradients,
    by hand: dL/dz = (softmax(z) - onehot(y)) / batch."""
    logits = x @ kernel + bias
    probabilities = np_softmax(logits)
    batch = len(x)
    loss = -np.mean(np.log(probabilities[np.arange(batch), labels]))
    delta = probabilities.copy()
    delta[np.arange(batch), labels] -= 1.0
    delta /= batch
    return loss, [x.T @ delta, delta.sum(axis=0)]


def np_sam_sgd(kernel, bias, x, labels, learning_rate, rho, steps,
               adaptive=False, eta=0.0, epsilon=1e-12):
    """`steps` full-batch SAM steps with plain SGD on softmax regression;
    ASAM leaves the bias unnormalized (T = 1), as the authors' code does
    for parameters not named `weight`. Returns the parameters after every
    step."""
    params = [np.asarray(kernel, "float64"), np.asarray(bias, "float64")]
    history = []
    for _ in range(steps):
        _, gradients = np_softmax_regression(*params, x, labels)
        perturbation = np_sharpness_aware_perturbation(
            gradients, params, rho, adaptive, eta, epsilon,
            adaptive_mask=[True, False])
        perturbed = [w + e for w, e in zip(params, perturbation)]
        _, gradients = np_softmax_regression(*perturbed, x, labels)
        params = [w - learning_rate * g for w, g in zip(params, gradients)]
        history.append(params)
    return history


def np_trajectory_loss(current_logits, past_logits, temperature):
    """tau^2 KL(softmax(past / tau) || softmax(current / tau)) per row."""
    p = np_softmax(np.asarray(past_logits, "float64") / temperature)
    q = np_softmax(np.asarray(current_logits, "float64") / temperature)
    return temperature**2 * np.sum(p * (np.log(p) - np.log(q)), axis=-1)


def np_ema(initial, values, momentum):
    """Closed form of `a <- momentum a + (1 - momentum) v` over `values`
    v_0 ... v_{k-1}, starting from `initial`:
    momentum^k initial + (1 - momentum) sum_j momentum^(k-1-j) v_j."""
    k = len(values)
    total = momentum**k * np.asarray(initial, "float64")
    for j, value in enumerate(values):
        total = total + (1 - momentum) * momentum ** (k - 1 - j) * value
    return total
