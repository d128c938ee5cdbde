package io.logitstream.worker.engine.mistral;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * Mistral ({@code model_type: mistral}, transformers' MistralForCausalLM): the Llama-style
 * decoder without biases, with a sliding window on every layer: a query sees itself and the
 * previous {@code sliding_window - 1} positions (transformers' eager/sdpa mask
 * {@code kv_idx > q_idx - sliding_window}). The KV cache keeps all positions; the mask does the
 * windowing.
 */
public final class MistralModel extends LlamaStyleModel {
    public static final String MODEL_TYPE = "mistral";

    private MistralModel(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager) {
        super(config, cfg, w, manager);
    }

    /** Loads the weights into {@code manager} (which the model then owns). */
    public static MistralModel load(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new MistralModel(config, MistralConfig.parse(config), weights, manager);
    }
}
