package io.logitstream.worker.engine.internlm2;

import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.RopeConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import java.util.Set;

/**
 * InternLM2 / InternLM2.5's config.json ({@code model_type: internlm2}), read as its remote code
 * ({@code configuration_internlm2.py}, {@code modeling_internlm2.py}) reads it:
 *
 * <ul>
 *   <li>{@code bias} puts biases on {@code wqkv} and {@code wo}; it defaults to <em>true</em> in
 *       InternLM2Config (released checkpoints all write false). The MLP never has biases.
 *   <li>The head width is always {@code hidden_size / num_attention_heads} (there is no
 *       {@code head_dim} key; the remote code raises when the division is not exact). A
 *       {@code head_dim} that disagrees is rejected rather than silently ignored.
 *   <li>{@code rope_theta} (default 10000) and {@code rope_scaling: {type, factor}} with type
 *       {@code linear} or {@code dynamic} only, the two the remote code implements.
 *   <li>{@code rms_norm_eps} (default 1e-6), {@code hidden_act} (default silu),
 *       {@code tie_word_embeddings} (default false), {@code num_key_value_heads} (default heads).
 * </ul>
 * No sliding window.
 */
public final class InternLm2Config {
    private InternLm2Config() {
    }

    public static LlamaStyleConfig parse(ModelConfig c) {
        String file = c.modelType() + " " + ModelConfig.FILE;
        if (c.hiddenSize() % c.numHeads() != 0) {
            throw new ConfigException(file + ": hidden_size " + c.hiddenSize()
                    + " is not a multiple of num_attention_heads " + c.numHeads());
        }
        int headDim = c.hiddenSize() / c.numHeads();
        Integer declared = JsonFields.optInt(c.raw(), "head_dim");
        if (declared != null && declared != headDim) {
            throw new ConfigException(file + ": head_dim " + declared + " differs from hidden_size / "
                    + "num_attention_heads = " + headDim + ", which InternLM2 always uses");
        }
        Boolean bias = JsonFields.optBool(c.raw(), "bias");
        boolean b = bias == null || bias;
        LlamaStyleConfig cfg = LlamaStyleConfig.of(c, b, b, false, null, Set.of());
        String rope = cfg.rope().type();
        if (!Set.of(RopeConfig.DEFAULT, RopeConfig.LINEAR, RopeConfig.DYNAMIC).contains(rope)) {
            throw new ConfigException(file + ": rope_scaling type '" + rope
                    + "' is not one InternLM2 implements (linear, dynamic)");
        }
        return cfg;
    }
}
