package io.logitstream.worker.engine.glm;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.ModelLoadException;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.Activation;
import io.logitstream.worker.engine.layers.RopeConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import java.util.Set;

/**
 * The config.json of the original ChatGLM2 / ChatGLM3 / GLM-4 folders ({@code model_type: chatglm},
 * remote code {@code configuration_chatglm.py} / {@code modeling_chatglm.py}), read as that code
 * reads it and mapped onto the Llama-style blocks:
 *
 * <ul>
 *   <li>{@code num_layers}, {@code padded_vocab_size} (embedding and output rows),
 *       {@code ffn_hidden_size}, {@code kv_channels} (head width), {@code seq_length} (context),
 *       {@code layernorm_epsilon} (default 1e-5);
 *   <li>key/value heads: {@code multi_query_group_num} when {@code multi_query_attention}, else
 *       {@code num_attention_heads};
 *   <li>{@code add_qkv_bias} (q/k/v biases, default false), {@code add_bias_linear} (biases on the
 *       attention output and the MLP, default false);
 *   <li>rope on {@code kv_channels / 2} channels in interleaved pairs, base 10000 x
 *       {@code rope_ratio} (default 1), plain positions 0..n-1. {@code original_rope} selects
 *       nothing in the remote code's forward and is ignored. The {@code rotary_pos_emb.inv_freq}
 *       buffer in the checkpoint is never read (the forward recomputes the frequencies in fp32).
 * </ul>
 *
 * What the remote code can do and the engine does not is rejected: LayerNorm instead of RMSNorm
 * ({@code rmsnorm: false}, ChatGLM2's original option), the residual taken after the input norm
 * ({@code apply_residual_connection_post_layernorm}), no final norm ({@code post_layer_norm: false}).
 * {@code apply_query_key_layer_scaling} and {@code attention_softmax_in_fp32} change nothing in
 * fp32 (the layer-number scaling cancels out); {@code fp32_residual_connection} neither.
 */
final class ChatGlmConfig {
    private static final double ROPE_BASE = 10000.0;

    private ChatGlmConfig() {
    }

    static LlamaStyleConfig parse(ModelConfig c) {
        JsonNode raw = c.raw();
        String file = c.modelType() + " " + ModelConfig.FILE;
        reject(raw, "rmsnorm", false, file + ": rmsnorm false (LayerNorm) is not implemented; only RMSNorm");
        reject(raw, "apply_residual_connection_post_layernorm", true, file
                + ": apply_residual_connection_post_layernorm true (residual after the input norm) is not implemented");
        reject(raw, "post_layer_norm", false, file + ": post_layer_norm false (no final norm) is not implemented");
        Integer ffn = JsonFields.optInt(raw, "ffn_hidden_size");
        Integer headDim = JsonFields.optInt(raw, "kv_channels");
        if (ffn == null || headDim == null) {
            throw new ConfigException(file + " needs ffn_hidden_size and kv_channels");
        }
        if (c.numKvHeads() <= 0 || c.numHeads() % c.numKvHeads() != 0) {
            throw new ConfigException(file + ": num_attention_heads " + c.numHeads()
                    + " is not a multiple of multi_query_group_num " + c.numKvHeads());
        }
        Double eps = JsonFields.optDouble(raw, "layernorm_epsilon");
        Double ropeRatio = JsonFields.optDouble(raw, "rope_ratio");
        boolean linearBias = Boolean.TRUE.equals(JsonFields.optBool(raw, "add_bias_linear"));
        RopeConfig rope = RopeConfig.interleaved(ROPE_BASE * (ropeRatio != null ? ropeRatio : 1.0), headDim / 2,
                c.maxPositions());
        return new LlamaStyleConfig(
                c.hiddenSize(),
                c.numLayers(),
                c.numHeads(),
                c.numKvHeads(),
                headDim,
                ffn,
                c.vocabSize(),
                c.maxPositions(),
                eps != null ? eps : 1e-5,
                Activation.fromConfig("silu"),
                Boolean.TRUE.equals(JsonFields.optBool(raw, "add_qkv_bias")),
                linearBias,
                linearBias,
                false,
                rope,
                null,
                Set.of());
    }

    private static void reject(JsonNode raw, String field, boolean unsupported, String message) {
        Boolean v = JsonFields.optBool(raw, field);
        if (v != null && v == unsupported) {
            throw new ModelLoadException(message);
        }
    }
}
