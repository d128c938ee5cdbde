package io.logitstream.worker.engine.llama;

import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import java.util.Set;

/**
 * Llama's config.json ({@code model_type: llama}, transformers' LlamaConfig): {@code attention_bias}
 * puts biases on q/k/v/o, {@code mlp_bias} on gate/up/down (both default false); {@code head_dim}
 * may differ from hidden / heads; {@code num_key_value_heads} < heads is GQA (1 is MQA);
 * {@code rope_scaling}/{@code rope_parameters} of type default, linear, dynamic or llama3. Llama
 * has no sliding window.
 */
public final class LlamaConfig {
    private LlamaConfig() {
    }

    public static LlamaStyleConfig parse(ModelConfig c) {
        Boolean attentionBias = JsonFields.optBool(c.raw(), "attention_bias");
        Boolean mlpBias = JsonFields.optBool(c.raw(), "mlp_bias");
        boolean ab = attentionBias != null && attentionBias;
        return LlamaStyleConfig.of(c, ab, ab, mlpBias != null && mlpBias, null, Set.of());
    }
}
