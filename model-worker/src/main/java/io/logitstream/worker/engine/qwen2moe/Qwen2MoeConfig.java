package io.logitstream.worker.engine.qwen2moe;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import java.util.Set;
import java.util.TreeSet;

/**
 * Qwen2-MoE's config.json ({@code model_type: qwen2_moe}, transformers' Qwen2MoeConfig), with its
 * defaults for absent fields.
 *
 * <ul>
 *   <li>Layer {@code i} has a sparse MoE block iff {@code i} is not in {@code mlp_only_layers} and
 *       {@code num_experts > 0} and {@code (i + 1) % decoder_sparse_step == 0}; other layers have
 *       the dense gated MLP of width {@code intermediate_size}.
 *   <li>MoE block: {@code num_experts} experts of width {@code moe_intermediate_size}, top
 *       {@code num_experts_per_tok}, renormalised iff {@code norm_topk_prob}; a shared expert of
 *       width {@code shared_expert_intermediate_size} scaled by {@code sigmoid(shared_expert_gate)}.
 *   <li>Attention: q/k/v biases iff {@code qkv_bias} (default true). Sliding window only with
 *       {@code use_sliding_window}; the sliding layers are {@code layer_types}, or for older
 *       configs the layers with {@code (i + 1) % 2 == 1 and i < max_window_layers} (Qwen2-MoE's own
 *       rule, not Qwen2's).
 * </ul>
 *
 * @param decoder the Llama-style part
 * @param sparseLayers the layers with a sparse MoE block
 * @param outputRouterLogits {@code output_router_logits}: whether a forward returns router logits by default
 * @param routerAuxLossCoef {@code router_aux_loss_coef}: weight of the load-balancing loss
 */
public record Qwen2MoeConfig(
        LlamaStyleConfig decoder,
        int numExperts,
        int numExpertsPerToken,
        int moeIntermediate,
        int sharedExpertIntermediate,
        boolean normTopKProb,
        int decoderSparseStep,
        Set<Integer> mlpOnlyLayers,
        Set<Integer> sparseLayers,
        boolean outputRouterLogits,
        double routerAuxLossCoef) {

    public static Qwen2MoeConfig parse(ModelConfig c) {
        JsonNode raw = c.raw();
        Boolean use = JsonFields.optBool(raw, "use_sliding_window");
        Integer window = Boolean.TRUE.equals(use) ? LlamaStyleConfig.slidingWindowField(raw, 4096) : null;
        Integer mwl = JsonFields.optInt(raw, "max_window_layers");
        int maxWindowLayers = mwl != null ? mwl : 28;
        Set<Integer> sliding = window == null ? Set.of()
                : LlamaStyleConfig.slidingLayers(raw, c.numLayers(), i -> (i + 1) % 2 == 1 && i < maxWindowLayers);
        Boolean qkvBias = JsonFields.optBool(raw, "qkv_bias");
        LlamaStyleConfig decoder = LlamaStyleConfig.of(c, qkvBias == null || qkvBias, false, false, window, sliding);

        int experts = orDefault(JsonFields.optInt(raw, "num_experts"), 60);
        int topK = orDefault(JsonFields.optInt(raw, "num_experts_per_tok"), 4);
        int step = orDefault(JsonFields.optInt(raw, "decoder_sparse_step"), 1);
        if (step <= 0) {
            throw new ConfigException("decoder_sparse_step must be positive, found " + step);
        }
        if (experts > 0 && (topK < 1 || topK > experts)) {
            throw new ConfigException("num_experts_per_tok " + topK + " must be in [1, num_experts=" + experts + "]");
        }
        Set<Integer> mlpOnly = new TreeSet<>();
        JsonNode m = raw.get("mlp_only_layers");
        if (m != null && m.isArray()) {
            m.forEach(x -> mlpOnly.add(x.asInt()));
        }
        Set<Integer> sparse = new TreeSet<>();
        for (int i = 0; i < c.numLayers(); i++) {
            if (!mlpOnly.contains(i) && experts > 0 && (i + 1) % step == 0) {
                sparse.add(i);
            }
        }
        Boolean norm = JsonFields.optBool(raw, "norm_topk_prob");
        return new Qwen2MoeConfig(decoder, experts, topK,
                orDefault(JsonFields.optInt(raw, "moe_intermediate_size"), 1408),
                orDefault(JsonFields.optInt(raw, "shared_expert_intermediate_size"), 5632),
                norm != null && norm, step, Set.copyOf(mlpOnly), Set.copyOf(sparse),
                Boolean.TRUE.equals(JsonFields.optBool(raw, "output_router_logits")),
                orDefault(JsonFields.optDouble(raw, "router_aux_loss_coef"), 0.001));
    }

    private static int orDefault(Integer v, int d) {
        return v != null ? v : d;
    }

    private static double orDefault(Double v, double d) {
        return v != null ? v : d;
    }

    public boolean isSparse(int layer) {
        return sparseLayers.contains(layer);
    }
}
