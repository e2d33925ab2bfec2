"""NumPy references for the robustness family, written from the papers'
equations: the AbeT score, the ROC quantities of a detection score, FGSM
and PGD on a linear softmax model, and saliency maps with closed forms."""

import numpy as np


def np_logsumexp(x, axis=-1):
    top = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.sum(np.exp(x - top), axis=axis))


def np_abet_score(logits, temperature=1.0):
    """-logsumexp(logits / T): the energy score without its leading T."""
    return -np_logsumexp(np.asarray(logits, "float64") / temperature)


def np_learned_temperature_head(features, kernel, bias, temperature_kernel,
                                temperature_bias, gamma, beta, moving_mean,
                                moving_variance, epsilon=1e-3):
    """Inference: (h W + b) / sigmoid(BN(h w_t + b_t))."""
    features = np.asarray(features, "float64")
    logits = features @ kernel + bias
    projected = features @ temperature_kernel + temperature_bias
    normalized = (projected - moving_mean) / np.sqrt(
        moving_variance + epsilon) * gamma + beta
    return logits * (1.0 + np.exp(-normalized))


def _weights(labels, sample_weight):
    if sample_weight is None:
        return np.ones(len(labels))
    return np.asarray(sample_weight, "float64").reshape(-1)


def np_roc_points(labels, scores, sample_weight=None):
    """(tpr, fpr) at every distinct score taken as threshold (score >= t
    is a detection), thresholds decreasing."""
    labels = np.asarray(labels).reshape(-1).astype(bool)
    scores = np.asarray(scores, "float64").reshape(-1)
    weights = _weights(labels, sample_weight)
    thresholds = np.unique(scores)[::-1]
    tpr = np.array([weights[labels & (scores >= t)].sum()
                    for t in thresholds]) / weights[labels].sum()
    fpr = np.array([weights[~labels & (scores >= t)].sum()
                    for t in thresholds]) / weights[~labels].sum()
    return tpr, fpr


def np_fpr_at_tpr(labels, scores, sample_weight=None, target_tpr=0.95):
    """The FPR at the highest threshold whose TPR reaches the target."""
    tpr, fpr = np_roc_points(labels, scores, sample_weight)
    return fpr[np.argmax(tpr >= target_tpr)]


def np_auroc(labels, scores, sample_weight=None):
    """Mann-Whitney: P(s+ > s-) + P(s+ == s-) / 2 over all weighted pairs."""
    labels = np.asarray(labels).reshape(-1).astype(bool)
    scores = np.asarray(scores, "float64").reshape(-1)
    weights = _weights(labels, sample_weight)
    positive, negative = scores[labels], scores[~labels]
    pair_weights = np.outer(weights[labels], weights[~labels])
    wins = (positive[:, None] > negative[None, :]) + 0.5 * (
        positive[:, None] == negative[None, :])
    return np.sum(pair_weights * wins) / np.sum(pair_weights)


def np_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exps = np.exp(shifted)
    return exps / exps.sum(axis=-1, keepdims=True)


def np_linear_cross_entropy_input_gradient(x, labels, kernel, bias):
    """d/dx of the mean sparse cross-entropy of softmax(x W + b): row i is
    (p_i - onehot_i) W^T / batch."""
    x = np.asarray(x, "float64")
    probabilities = np_softmax(x @ kernel + bias)
    probabilities[np.arange(len(x)), labels] -= 1.0
    return probabilities @ kernel.T / len(x)


def np_fgsm(x, gradient, epsilon, input_range=None):
    """x + epsilon * sign(gradient), clipped to the input range."""
    x_adv = x + epsilon * np.sign(gradient)
    if input_range is not None:
        x_adv = np.clip(x_adv, *input_range)
    return x_adv


def np_pgd_without_random_start(x, labels, kernel, bias, epsilon, step_size,
                                steps, input_range=None):
    """Madry et al.'s iteration on a linear softmax model, from x."""
    x = np.asarray(x, "float64")
    x_adv = x.copy()
    for _ in range(steps):
        gradient = np_linear_cross_entropy_input_gradient(x_adv, labels,
                                                          kernel, bias)
        x_adv = np.clip(x_adv + step_size * np.sign(gradient),
                        x - epsilon, x + epsilon)
        if input_range is not None:
            x_adv = np.clip(x_adv, *input_range)
    return x_adv


def np_linear_head_grad_cam(activations, head_kernel, classes):
    """Grad-CAM for logits = mean_ij(A) @ V + b: the gradient of logit c
    with respect to A[i, j, k] is V[k, c] / (H W) at every location, so
    alpha_k = V[k, c] / (H W) and the map is relu(A @ V[:, c] / (H W))."""
    height, width = activations.shape[1:3]
    weights = head_kernel[:, classes].T / (height * width)  # (batch, k)
    return np.maximum(
        np.einsum("bijk,bk->bij", activations, weights), 0.0)


def np_linear_head_norm_grad(activations, head_kernel, classes):
    """NormGrad for the same head: |A[i, j]| * |V[:, c]| / (H W)."""
    height, width = activations.shape[1:3]
    gradient_norm = np.linalg.norm(head_kernel[:, classes], axis=0) / (
        height * width)
    return np.linalg.norm(activations, axis=-1) * gradient_norm[:, None, None]
