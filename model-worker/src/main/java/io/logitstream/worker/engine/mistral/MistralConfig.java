package io.logitstream.worker.engine.mistral;

import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Mistral's config.json ({@code model_type: mistral}, transformers' MistralConfig): no biases;
 * {@code sliding_window} (default 4096 when the key is absent, none when it is null) applies to
 * every layer. transformers' Mistral ignores {@code layer_types} (it warns and keeps the window
 * on all layers), and so does this engine. {@code head_dim} defaults to hidden / heads.
 */
public final class MistralConfig {
    /** transformers' MistralConfig default when config.json has no sliding_window key. */
    public static final int DEFAULT_SLIDING_WINDOW = 4096;

    private MistralConfig() {
    }

    public static LlamaStyleConfig parse(ModelConfig c) {
        Integer window = LlamaStyleConfig.slidingWindowField(c.raw(), DEFAULT_SLIDING_WINDOW);
        Set<Integer> all = IntStream.range(0, c.numLayers()).boxed().collect(Collectors.toSet());
        return LlamaStyleConfig.of(c, false, false, false, window, window == null ? Set.of() : all);
    }
}
