package io.logitstream.worker.engine.glm;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleLayout;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * The GLM family on the shared Llama-style decoder: transformers' {@code glm}
 * ({@code GlmForCausalLM}: GLM-4-9B-chat-hf's layout), {@code glm4} ({@code Glm4ForCausalLM}:
 * GLM-4-0414's, which norms each sub-block's output too) and the original remote-code folders of
 * ChatGLM2 / ChatGLM3 / GLM-4 ({@code chatglm}, {@link ChatGlmConfig}, {@link ChatGlmLayout}).
 * All three compute the same blocks: RMSNorm pre-norm, grouped-query attention with q/k/v biases
 * and rope on the first half of each head in interleaved pairs, a SwiGLU MLP with gate and up fused.
 */
public final class GlmModel extends LlamaStyleModel {
    public static final String GLM = "glm";
    public static final String GLM4 = "glm4";
    public static final String CHATGLM = "chatglm";

    private GlmModel(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager,
            LlamaStyleLayout layout) {
        super(config, cfg, w, manager, layout);
    }

    /** {@code model_type: glm}. */
    public static GlmModel loadGlm(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new GlmModel(config, GlmConfig.parse(config), weights, manager, GlmLayout.GLM);
    }

    /** {@code model_type: glm4}. */
    public static GlmModel loadGlm4(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new GlmModel(config, GlmConfig.parse(config), weights, manager, GlmLayout.GLM4);
    }

    /** {@code model_type: chatglm} (ChatGLM2, ChatGLM3, GLM-4 original folders). */
    public static GlmModel loadChatGlm(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new GlmModel(config, ChatGlmConfig.parse(config), weights, manager, ChatGlmLayout.INSTANCE);
    }
}
