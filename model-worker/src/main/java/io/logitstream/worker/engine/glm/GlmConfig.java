package io.logitstream.worker.engine.glm;

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
 *   <li>{@code head_dim} (default 128, not hidden / heads: GlmConfig declares it).
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
        Integer declared = JsonFields.optInt(c.raw(), "head_dim");
        int headDim = declared != null ? declared : DEFAULT_HEAD_DIM;
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
