package io.logitstream.worker.engine.glm;

import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.RopeConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import java.util.Set;

/**
 * The config.json of transformers' {@code glm} and {@code glm4} ({@code GlmConfig},
 * {@code Glm4Config}), read with their defaults:
 *
 * <ul>
 *   <li>{@code attention_bias} (default <em>true</em>) puts biases on q/k/v; the output projection
 *       and the MLP never have one.
 *   <li>{@code head_dim}, required: GlmConfig defaults it to 128 (not hidden / heads) and always
 *       writes it, so a config.json without it is not one transformers wrote; the engine's other
 *       parts (the KV cache) would read hidden / heads, so it is refused rather than guessed.
 *   <li>rope ({@code rope_parameters} / {@code rope_theta}, any type {@link RopeConfig} knows) on the
 *       first {@code head_dim * partial_rotary_factor} channels of each head, default factor 0.5,
 *       interleaved pairs.
 *   <li>{@code rms_norm_eps} (default 1.5625e-7), {@code hidden_act} (default silu),
 *       {@code tie_word_embeddings} (default false). No sliding window.
 * </ul>
 */
final class GlmConfig {
    static final double DEFAULT_PARTIAL_ROTARY_FACTOR = 0.5;
    private static final int DEFAULT_HEAD_DIM = 128;
    private static final double DEFAULT_RMS_NORM_EPS = 1.5625e-7;

    private GlmConfig() {
    }

    static LlamaStyleConfig parse(ModelConfig c) {
        Integer headDim = JsonFields.optInt(c.raw(), "head_dim");
        if (headDim == null) {
            throw new ConfigException(c.modelType() + " " + ModelConfig.FILE + " has no head_dim (transformers' "
                    + "GlmConfig would assume " + DEFAULT_HEAD_DIM + ", not hidden_size / num_attention_heads)");
        }
        Boolean bias = JsonFields.optBool(c.raw(), "attention_bias");
        RopeConfig rope = RopeConfig.parseInterleaved(c.raw(), headDim, c.maxPositions(),
                DEFAULT_PARTIAL_ROTARY_FACTOR);
        LlamaStyleConfig cfg = LlamaStyleConfig.of(c, headDim, rope, bias == null || bias, false, false, null,
                Set.of());
        if (JsonFields.optDouble(c.raw(), "rms_norm_eps") != null) {
            return cfg;
        }
        return new LlamaStyleConfig(cfg.hidden(), cfg.layers(), cfg.heads(), cfg.kvHeads(), cfg.headDim(),
                cfg.intermediate(), cfg.vocab(), cfg.maxPositions(), DEFAULT_RMS_NORM_EPS, cfg.activation(),
                cfg.qkvBias(), cfg.outputBias(), cfg.mlpBias(), cfg.tieWordEmbeddings(), cfg.rope(),
                cfg.slidingWindow(), cfg.slidingLayers());
    }
}
