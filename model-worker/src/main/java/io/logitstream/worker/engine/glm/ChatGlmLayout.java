package io.logitstream.worker.engine.glm;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * The tensor names of an original ChatGLM2 / ChatGLM3 / GLM-4 folder ({@code modeling_chatglm.py}):
 * {@code transformer.embedding.word_embeddings}, per layer ({@code transformer.encoder.layers.<i>.})
 * {@code input_layernorm}, {@code self_attention.query_key_value} (q, k and v rows concatenated,
 * biased when {@code add_qkv_bias}: already the fused order the shared attention uses),
 * {@code self_attention.dense}, {@code post_attention_layernorm}, {@code mlp.dense_h_to_4h} (gate
 * rows, then up: the remote code's swiglu chunks it that way), {@code mlp.dense_4h_to_h};
 * {@code transformer.encoder.final_layernorm}, {@code transformer.output_layer} (never tied).
 * {@code transformer.rotary_pos_emb.inv_freq} is left unread.
 */
final class ChatGlmLayout extends GlmLayout {
    static final ChatGlmLayout INSTANCE = new ChatGlmLayout();

    private ChatGlmLayout() {
    }

    @Override
    public String embedding() {
        return "transformer.embedding.word_embeddings.weight";
    }

    @Override
    public String layer(int i) {
        return "transformer.encoder.layers." + i + ".";
    }

    @Override
    String gateUpProjection() {
        return "dense_h_to_4h";
    }

    @Override
    public String downProjection() {
        return "dense_4h_to_h";
    }

    @Override
    public String finalNorm() {
        return "transformer.encoder.final_layernorm.weight";
    }

    @Override
    public String lmHead() {
        return "transformer.output_layer.weight";
    }

    @Override
    public Linear qkv(LlamaStyleConfig cfg, String layer, Checkpoint w, NDManager tmp, NDManager manager) {
        long rows = (long) (cfg.heads() + 2 * cfg.kvHeads()) * cfg.headDim();
        return LlamaStyleModel.linear(w, layer + "self_attention.query_key_value", cfg.qkvBias(), manager, rows,
                cfg.hidden());
    }

    @Override
    public Linear attentionOutput(LlamaStyleConfig cfg, String layer, Checkpoint w, NDManager manager) {
        return LlamaStyleModel.linear(w, layer + "self_attention.dense", cfg.outputBias(), manager, cfg.hidden(),
                (long) cfg.heads() * cfg.headDim());
    }
}
