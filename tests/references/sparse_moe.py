"""NumPy reference of the sparsely-gated mixture of experts, token by token.

Gating: Shazeer et al. 2017 (arXiv 1701.06538) eqs. 3-5, `G(x) =
softmax(KeepTopK(H(x), k))`. Capacity and load-balancing loss: Switch
Transformers (arXiv 2101.03961) section 2.2 and eqs. 4-6; with k > 1 the
experts fill their slots with every token's first choice (in token order)
before any second choice, as GShard. Written as explicit loops over
choices and tokens, independent of the dispatch-tensor formulation.
"""

import math

import numpy as np


def np_relu(x):
    return np.maximum(x, 0.0)


def np_softmax(x, axis=-1):
    shifted = np.exp(x - x.max(axis=axis, keepdims=True))
    return shifted / shifted.sum(axis=axis, keepdims=True)


def np_capacity(tokens, num_experts, top_k, capacity_factor):
    slots = math.ceil(round(capacity_factor * tokens * top_k / num_experts,
                            9))
    return min(tokens, max(1, slots))


def np_expert(x, w1, b1, w2, b2, activation=np_relu):
    return activation(x @ w1 + b1) @ w2 + b2


def np_top_k(logits, k):
    """Indices of the k largest logits (best first) and their softmax."""
    order = np.argsort(-logits, kind="stable")[:k]
    return order, np_softmax(logits[order])


def np_sparse_moe(x, router_logits, w1, b1, w2, b2, top_k, capacity_factor,
                  activation=np_relu):
    """`x` (groups, tokens, dim), `router_logits` (groups, tokens,
    experts), expert weights stacked on axis 0. Returns (outputs,
    load-balancing loss, kept) where `kept[g, s, j]` says whether choice j
    of token s found room."""
    x = np.asarray(x, "float64")
    groups, tokens, _ = x.shape
    num_experts = router_logits.shape[-1]
    capacity = np_capacity(tokens, num_experts, top_k, capacity_factor)
    outputs = np.zeros((groups, tokens, w2.shape[-1]))
    kept = np.zeros((groups, tokens, top_k), bool)
    for g in range(groups):
        choices = [np_top_k(router_logits[g, s], top_k)
                   for s in range(tokens)]
        filled = np.zeros(num_experts, int)
        for j in range(top_k):
            for s in range(tokens):
                experts, gates = choices[s]
                e = experts[j]
                if filled[e] >= capacity:
                    continue
                filled[e] += 1
                kept[g, s, j] = True
                outputs[g, s] += gates[j] * np_expert(
                    x[g, s], w1[e], b1[e], w2[e], b2[e], activation)
    return outputs, np_load_balancing_loss(router_logits, top_k), kept


def np_load_balancing_loss(router_logits, top_k):
    """Switch eq. 4: `N * sum_i f_i * P_i`, with f_i the share of the top-k
    choices (before capacity) that went to expert i and P_i its mean router
    probability (eqs. 5 and 6)."""
    num_experts = router_logits.shape[-1]
    logits = np.reshape(router_logits, (-1, num_experts)).astype("float64")
    counts = np.zeros(num_experts)
    for row in logits:
        for e in np_top_k(row, top_k)[0]:
            counts[e] += 1
    fraction = counts / (len(logits) * top_k)
    mean_probability = np_softmax(logits).mean(axis=0)
    return num_experts * float(np.sum(fraction * mean_probability))


def np_dense_mixture(x, router_logits, w1, b1, w2, b2, activation=np_relu):
    """Every expert on every token, mixed by the softmax over all logits."""
    x = np.asarray(x, "float64")
    gates = np_softmax(np.asarray(router_logits, "float64"))
    outputs = 0.0
    for e in range(w1.shape[0]):
        outputs = outputs + gates[..., e:e + 1] * np_expert(
            x, w1[e], b1[e], w2[e], b2[e], activation)
    return outputs
