"""Sparsely-gated mixture of experts with expert capacity.

Top-k softmax gating from "Outrageously Large Neural Networks: The
Sparsely-Gated Mixture-of-Experts Layer" (Shazeer et al., 2017, arXiv
1701.06538, eqs. 3-5); the expert capacity and the load-balancing loss from
"Switch Transformers: Scaling to Trillion Parameter Models with Simple and
Efficient Sparsity" (Fedus et al., 2021, arXiv 2101.03961, section 2.2 and
eqs. 4-6), with GShard's order of dispatch for k > 1 (every token's first
choice before any token's second choice).

Every shape is static: the tokens reach the experts through a 0/1 dispatch
tensor `(groups, tokens, experts, capacity)` and come back through a
combine tensor of the same shape holding the gate values, both contracted
with `einsum`, so the computation compiles with XLA without dynamic gathers.
"""

import math

from keras import ops


def expert_capacity(tokens, num_experts, top_k, capacity_factor):
    """Slots per expert and group: `capacity_factor * tokens * top_k /
    num_experts` rounded up, at least 1 and at most `tokens` (an expert
    sees each token at most once)."""
    # The tolerance keeps a product that is an integer up to rounding
    # (1.1 * 10 = 11.000000000000002) from gaining a slot.
    slots = math.ceil(capacity_factor * tokens * top_k / num_experts - 1e-9)
    return int(min(tokens, max(1, slots)))


def top_k_gating(router_logits, top_k):
    """Softmax over the `top_k` largest logits (eq. 3-5 of Shazeer et al.:
    `softmax(KeepTopK(H(x), k))`).

    Returns `(gates, expert_indices)`, both `(..., top_k)`: the gate values
    (summing to 1 over the k choices) and the chosen experts, best first.
    """
    top_logits, expert_indices = ops.top_k(router_logits, top_k)
    return ops.softmax(top_logits, axis=-1), expert_indices


def dispatch_and_combine(gates, expert_indices, num_experts, capacity):
    """The 0/1 dispatch tensor and the gate-weighted combine tensor.

    `gates` and `expert_indices` are `(groups, tokens, top_k)`. Within a
    group, an expert takes at most `capacity` tokens: all first choices in
    token order, then all second choices, and so on; a choice that finds
    its expert full is dropped (its gate is not given to the other
    choices). Returns two `(groups, tokens, num_experts, capacity)`
    tensors: `dispatch[g, s, e, c] = 1` when token s of group g fills slot
    c of expert e, and `combine` holds the gate of that choice there.
    """
    groups, tokens, top_k = expert_indices.shape
    # (groups, top_k, tokens, experts): choice rank before token order.
    choices = ops.one_hot(ops.transpose(expert_indices, (0, 2, 1)),
                          num_experts, dtype="float32")
    choices = ops.reshape(choices, (-1, top_k * tokens, num_experts))
    # The slot a choice would take: the choices of its expert before it.
    position = ops.cumsum(choices, axis=1) - 1.0
    kept = choices * ops.cast(position < capacity, "float32")
    slot_index = ops.cast(ops.where(kept > 0, position, 0.0), "int32")
    slots = ops.one_hot(slot_index, capacity, dtype="float32")
    slots = ops.reshape(slots * kept[..., None],
                        (-1, top_k, tokens, num_experts, capacity))
    # A token chooses an expert at most once, so the sum over choices is
    # still 0/1.
    dispatch = ops.sum(slots, axis=1)
    gate_by_choice = ops.transpose(ops.cast(gates, "float32"), (0, 2, 1))
    combine = ops.sum(slots * gate_by_choice[..., None, None], axis=1)
    return dispatch, combine


def load_balancing_loss(router_probabilities, expert_indices, num_experts):
    """`num_experts * sum_e f_e * P_e` (Switch Transformers, eqs. 4-6).

    `P_e` is the mean router probability of expert e (softmax over all
    experts) and `f_e` the fraction of the top-k choices that went to
    expert e, counted before any capacity drop; for k = 1 this is the
    paper's fraction of tokens dispatched to e. It is 1 for a uniform
    router and grows as the routing concentrates; only `P_e` carries a
    gradient.
    """
    router_probabilities = ops.cast(router_probabilities, "float32")
    probabilities = ops.reshape(router_probabilities, (-1, num_experts))
    choices = ops.one_hot(ops.reshape(expert_indices, (-1,)), num_experts,
                          dtype="float32")
    fraction_routed = ops.mean(choices, axis=0)
    mean_probability = ops.mean(probabilities, axis=0)
    return num_experts * ops.sum(fraction_routed * mean_probability)


def sparse_moe(inputs, router_logits, hidden_kernel, hidden_bias,
               output_kernel, output_bias, top_k=2, capacity_factor=1.25,
               activation=ops.relu):
    """A top-k gated mixture of feed-forward experts with capacity.

    Args:
        inputs: `(groups, tokens, dim)`; the capacity applies within each
            group.
        router_logits: `(groups, tokens, num_experts)`, `H(x)` of Shazeer
            et al. (noise already added, if any).
        hidden_kernel: `(num_experts, dim, units)`; `hidden_bias`
            `(num_experts, units)`.
        output_kernel: `(num_experts, units, output_dim)`; `output_bias`
            `(num_experts, output_dim)`.
        top_k: experts per token.
        capacity_factor: slots per expert are `capacity_factor * tokens *
            top_k / num_experts`, rounded up (`expert_capacity`).
        activation: the experts' hidden activation.

    Returns:
        `(outputs, aux_loss)`: `(groups, tokens, output_dim)` in the dtype
        of `inputs` (a token dropped by all its experts gives zeros), and
        the unscaled `load_balancing_loss` (float32 scalar).
    """
    _, tokens, _ = inputs.shape
    num_experts = router_logits.shape[-1]
    capacity = expert_capacity(tokens, num_experts, top_k, capacity_factor)
    router_logits = ops.cast(router_logits, "float32")
    gates, expert_indices = top_k_gating(router_logits, top_k)
    dispatch, combine = dispatch_and_combine(gates, expert_indices,
                                             num_experts, capacity)
    dtype = inputs.dtype
    expert_inputs = ops.einsum("gsec,gsd->egcd", ops.cast(dispatch, dtype),
                               inputs)
    hidden = ops.einsum("egcd,edh->egch", expert_inputs,
                        ops.cast(hidden_kernel, dtype))
    hidden = activation(hidden + ops.cast(hidden_bias, dtype)[:, None, None])
    expert_outputs = ops.einsum("egch,eho->egco", hidden,
                                ops.cast(output_kernel, dtype))
    expert_outputs = expert_outputs + ops.cast(output_bias,
                                               dtype)[:, None, None]
    outputs = ops.einsum("gsec,egco->gso", ops.cast(combine, dtype),
                         expert_outputs)
    aux_loss = load_balancing_loss(ops.softmax(router_logits, axis=-1),
                                   expert_indices, num_experts)
    return outputs, aux_loss
