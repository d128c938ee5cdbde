package io.logitstream.worker.engine.llama;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * Llama ({@code model_type: llama}, transformers' LlamaForCausalLM): the {@link LlamaStyleModel}
 * with the biases {@link LlamaConfig} reads and full attention on every layer.
 *
 * <p>With {@code rope_type: dynamic}, transformers recomputes the rotary frequencies whenever a
 * forward's {@code max(position_ids) + 1} exceeds {@code max_position_embeddings}; this engine
 * does the same per forward (see {@code RotaryEmbedding}), so a long prompt, and every decode
 * step past the context, uses the frequencies of its current length while cached keys keep the
 * rotation they were computed with, exactly as transformers' {@code generate()} does. What it
 * does not copy is transformers' cross-call state (a model instance keeps the largest length it
 * has seen and reuses those frequencies for any later, shorter forward above the limit): a
 * serving engine must give a request the same result whatever ran before it, so each forward
 * behaves like a freshly loaded transformers model, which is what the goldens record.
 */
public final class LlamaModel extends LlamaStyleModel {
    public static final String MODEL_TYPE = "llama";

    private LlamaModel(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager) {
        super(config, cfg, w, manager);
    }

    /** Loads the weights into {@code manager} (which the model then owns). */
    public static LlamaModel load(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new LlamaModel(config, LlamaConfig.parse(config), weights, manager);
    }
}
