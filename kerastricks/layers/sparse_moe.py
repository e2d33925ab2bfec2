import keras
from keras import ops

from kerastricks.api_export import kerastricks_export
from kerastricks.ops.sparse_moe import sparse_moe
from kerastricks.utils import validation


@kerastricks_export("kerastricks.layers.SparseMoE")
class SparseMoE(keras.layers.Layer):
    """Sparsely-gated mixture of feed-forward experts with top-k routing.

    A router scores every token against `num_experts` feed-forward experts;
    each token goes to its `top_k` best experts and their outputs are
    mixed by a softmax over the chosen logits, so the parameters grow with
    the number of experts while the compute per token stays that of `top_k`
    experts. Each expert takes at most `capacity` tokens per group; a token
    past that is dropped by the expert (it gets nothing from it, and zeros
    if all its experts dropped it, so use the layer in a residual branch,
    where a dropped token passes through unchanged). A load-balancing
    loss, added with `add_loss`, keeps the router spreading tokens evenly.

    Where each part comes from: the gating is Shazeer et al.'s noisy top-k
    gating (eqs. 3-5); the capacity and the auxiliary loss are those of
    Switch Transformers (section 2.2, eqs. 4-6), with GShard's dispatch
    order for k > 1 (all first choices, then all second choices). The
    auxiliary loss replaces Shazeer et al.'s importance and load losses.

    ```python
    H(x) = x @ W_g  (+ N(0, 1) * softplus(x @ W_noise) if noisy, training)
    gates, experts = softmax(top_k(H(x))), argtop_k(H(x))     # Shazeer
    capacity = ceil(capacity_factor * tokens * top_k / num_experts)
    y = sum over kept choices j: gates[j] * expert[experts[j]](x)
    expert_e(x) = activation(x @ W1[e] + b1[e]) @ W2[e] + b2[e]
    p = softmax(H(x)); f_e = share of the top-k choices that picked e
    aux_loss = load_balance_coefficient * num_experts
               * sum_e mean_tokens(f_e) * mean_tokens(p_e)   # Switch
    ```

    Inputs `(batch, tokens, dim)` are routed example by example: the
    capacity counts the tokens of one example. Inputs `(batch, dim)` are
    one token each, so every expert has room for it and nothing is dropped
    (and the compute is not sparse: each expert runs on one slot per
    example).

    Args:
        num_experts: positive int, the number of experts (E).
        expert_units: positive int, the hidden width of each expert's
            feed-forward network.
        top_k: positive int <= `num_experts`, the experts per token (k).
            Defaults to `2` (GShard; Shazeer et al. use k = 2 or 4,
            Switch k = 1).
        capacity_factor: float > 0, the slots of each expert in units of
            an even share, `tokens * top_k / num_experts`. Defaults to
            `1.25` (Switch Transformers' training setting).
        load_balance_coefficient: float >= 0, the weight alpha of the
            auxiliary loss; `0` adds none. Defaults to `1e-2` (Switch
            Transformers).
        noisy_gating: bool, adds Shazeer et al.'s trainable Gaussian noise
            to the router logits in training. Defaults to `False` (Switch
            Transformers route without noise; the auxiliary loss does the
            balancing).
        output_units: positive int or None, the output width; None keeps
            the input width. Defaults to `None`.
        activation: the experts' hidden activation. Defaults to `"relu"`
            (both papers).
        kernel_initializer: initializer of the expert kernels. Defaults to
            `"glorot_uniform"`. The router kernel starts as Switch
            Transformers' truncated normal of variance 0.1 / dim, and the
            noise kernel at zero as Shazeer et al.
        seed: int or None, the seed of the gating noise.
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Call arguments:
        inputs: `(batch, tokens, dim)` or `(batch, dim)`, floating point.
        training: bool, whether the gating noise is on.

    Returns:
        A tensor of the shape of `inputs` with the last axis
        `output_units` (or `dim`).

    Example:

    >>> moe = kerastricks.layers.SparseMoE(num_experts=4, expert_units=8)
    >>> tuple(moe(np.ones((2, 5, 6), "float32")).shape)
    (2, 5, 6)
    >>> len(moe.losses)  # the load-balancing loss
    1

    References:
        - [Shazeer et al., 2017](https://arxiv.org/abs/1701.06538),
          "Outrageously Large Neural Networks: The Sparsely-Gated
          Mixture-of-Experts Layer".
        - [Fedus et al., 2021](https://arxiv.org/abs/2101.03961), "Switch
          Transformers: Scaling to Trillion Parameter Models with Simple
          and Efficient Sparsity".
    """

    def __init__(self, num_experts, expert_units, top_k=2,
                 capacity_factor=1.25, load_balance_coefficient=1e-2,
                 noisy_gating=False, output_units=None, activation="relu",
                 kernel_initializer="glorot_uniform", seed=None, **kwargs):
        super().__init__(**kwargs)
        self.num_experts = validation.check_positive_int("num_experts",
                                                         num_experts)
        self.expert_units = validation.check_positive_int("expert_units",
                                                          expert_units)
        self.top_k = validation.check_positive_int("top_k", top_k)
        if self.top_k > self.num_experts:
            raise ValueError(
                "Argument `top_k` must be at most `num_experts` "
                f"({self.num_experts}). Received: top_k={top_k!r}")
        self.capacity_factor = validation.check_positive("capacity_factor",
                                                         capacity_factor)
        self.load_balance_coefficient = validation.check_non_negative(
            "load_balance_coefficient", load_balance_coefficient)
        self.noisy_gating = validation.check_bool("noisy_gating",
                                                  noisy_gating)
        self.output_units = (
            None if output_units is None
            else validation.check_positive_int("output_units", output_units))
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.seed = seed
        if self.noisy_gating:
            self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        input_shape = validation.check_input_rank("SparseMoE", "inputs",
                                                  input_shape, (2, 3))
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                "SparseMoE needs a known last axis of `inputs`. Received: "
                f"inputs of shape {input_shape}")
        if len(input_shape) == 3 and input_shape[1] is None:
            raise ValueError(
                "SparseMoE needs a known token count (axis 1) of `inputs`: "
                "the expert capacity is a static shape. Received: inputs "
                f"of shape {input_shape}")
        output_units = self.output_units or dim
        experts = self.num_experts
        # The router stays float32 under mixed precision (Switch
        # Transformers' selective precision): its softmax and top-k decide
        # the routing.
        router_initializer = keras.initializers.VarianceScaling(
            0.1, mode="fan_in", distribution="truncated_normal",
            seed=self.seed)
        self.router_kernel = self.add_weight(
            name="router_kernel", shape=(dim, experts),
            initializer=router_initializer, dtype="float32", autocast=False)
        if self.noisy_gating:
            self.noise_kernel = self.add_weight(
                name="noise_kernel", shape=(dim, experts),
                initializer="zeros", dtype="float32", autocast=False)
        self.hidden_kernel = self.add_weight(
            name="hidden_kernel", shape=(experts, dim, self.expert_units),
            initializer=self.kernel_initializer)
        self.hidden_bias = self.add_weight(
            name="hidden_bias", shape=(experts, self.expert_units),
            initializer="zeros")
        self.output_kernel = self.add_weight(
            name="output_kernel",
            shape=(experts, self.expert_units, output_units),
            initializer=self.kernel_initializer)
        self.output_bias = self.add_weight(
            name="output_bias", shape=(experts, output_units),
            initializer="zeros")

    def _router_logits(self, inputs, training):
        inputs = ops.cast(inputs, "float32")
        logits = ops.matmul(inputs, ops.cast(self.router_kernel, "float32"))
        if self.noisy_gating and training:
            noise_scale = ops.softplus(ops.matmul(
                inputs, ops.cast(self.noise_kernel, "float32")))
            noise = keras.random.normal(ops.shape(logits),
                                        seed=self.seed_generator)
            logits = logits + noise * noise_scale
        return logits

    def call(self, inputs, training=False):
        validation.check_floating_input("SparseMoE", "inputs", inputs)
        tokens = inputs if len(inputs.shape) == 3 else inputs[:, None, :]
        outputs, aux_loss = sparse_moe(
            tokens, self._router_logits(tokens, training), self.hidden_kernel,
            self.hidden_bias, self.output_kernel, self.output_bias,
            top_k=self.top_k, capacity_factor=self.capacity_factor,
            activation=self.activation)
        if self.load_balance_coefficient > 0:
            self.add_loss(self.load_balance_coefficient * aux_loss)
        return outputs if len(inputs.shape) == 3 else outputs[:, 0, :]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (
            self.output_units or input_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_experts": self.num_experts,
                "expert_units": self.expert_units,
                "top_k": self.top_k,
                "capacity_factor": self.capacity_factor,
                "load_balance_coefficient": self.load_balance_coefficient,
                "noisy_gating": self.noisy_gating,
                "output_units": self.output_units,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer),
                "seed": self.seed,
            }
        )
        return config
