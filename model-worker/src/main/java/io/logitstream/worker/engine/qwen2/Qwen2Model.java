package io.logitstream.worker.engine.qwen2;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * Qwen2 / Qwen2.5 ({@code model_type: qwen2}, transformers' Qwen2ForCausalLM): the Llama-style
 * decoder with q/k/v biases and, when {@code use_sliding_window}, a sliding window on the layers
 * {@link Qwen2Config} selects (full attention elsewhere).
 */
public final class Qwen2Model extends LlamaStyleModel {
    public static final String MODEL_TYPE = "qwen2";

    private Qwen2Model(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager) {
        super(config, cfg, w, manager);
    }

    /** Loads the weights into {@code manager} (which the model then owns). */
    public static Qwen2Model load(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new Qwen2Model(config, Qwen2Config.parse(config), weights, manager);
    }
}
