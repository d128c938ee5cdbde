package io.logitstream.worker.engine.qwen2;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import java.util.Set;

/**
 * Qwen2's config.json ({@code model_type: qwen2}, transformers' Qwen2Config): q/k/v always have
 * biases, o_proj none, the MLP none. The sliding window exists only when
 * {@code use_sliding_window} is true (else {@code sliding_window} is ignored); then the layers
 * that slide are those {@code layer_types} names, or, for older configs without it, the layers
 * {@code i >= max_window_layers} (default 28).
 */
public final class Qwen2Config {
    private Qwen2Config() {
    }

    public static LlamaStyleConfig parse(ModelConfig c) {
        JsonNode raw = c.raw();
        Boolean use = JsonFields.optBool(raw, "use_sliding_window");
        Integer window = Boolean.TRUE.equals(use) ? LlamaStyleConfig.slidingWindowField(raw, 4096) : null;
        Integer maxWindowLayers = JsonFields.optInt(raw, "max_window_layers");
        int firstSliding = maxWindowLayers != null ? maxWindowLayers : 28;
        Set<Integer> sliding = window == null ? Set.of()
                : LlamaStyleConfig.slidingLayers(raw, c.numLayers(), i -> i >= firstSliding);
        return LlamaStyleConfig.of(c, true, false, false, window, sliding);
    }
}
