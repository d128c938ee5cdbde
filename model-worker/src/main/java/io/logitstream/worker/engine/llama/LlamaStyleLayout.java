package io.logitstream.worker.engine.llama;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.layers.GatedMlp;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * Where a Llama-style checkpoint keeps its weights. This base class names the Hub layout of
 * transformers' {@code LlamaForCausalLM} and its copies (Mistral, Qwen2, Qwen2-MoE); a checkpoint
 * family that stores the same blocks under other names or packings (InternLM2's
 * {@code tok_embeddings}, packed {@code wqkv}, {@code w1/w3/w2}) overrides only what differs, so
 * {@link LlamaStyleModel} builds every one of them through the same code.
 *
 * <p>Names of per-layer tensors are relative to {@link #layer(int)}.
 */
public class LlamaStyleLayout {
    /** transformers' Llama names: {@code model.embed_tokens}, {@code self_attn.q_proj}, {@code mlp.gate_proj}, ... */
    public static final LlamaStyleLayout HUB = new LlamaStyleLayout();

    protected LlamaStyleLayout() {
    }

    public String embedding() {
        return "model.embed_tokens.weight";
    }

    /** The prefix of layer {@code i}'s tensors. */
    public String layer(int i) {
        return "model.layers." + i + ".";
    }

    public String inputNorm() {
        return "input_layernorm.weight";
    }

    public String postAttentionNorm() {
        return "post_attention_layernorm.weight";
    }

    /** The norm of the attention output before its residual add (GLM-4), or null when the layout has none. */
    public String attentionOutputNorm() {
        return null;
    }

    /** The norm of the feed-forward output before its residual add (GLM-4), or null when the layout has none. */
    public String feedForwardOutputNorm() {
        return null;
    }

    /** The prefix of the feed-forward block within a layer (a gated MLP, or experts for MoE). */
    public String feedForward() {
        return "mlp.";
    }

    /** The gated MLP's projection names: gate (activated), up, down. */
    public String gateProjection() {
        return "gate_proj";
    }

    public String upProjection() {
        return "up_proj";
    }

    public String downProjection() {
        return "down_proj";
    }

    public String finalNorm() {
        return "model.norm.weight";
    }

    /** The LM head (absent from the checkpoint when the embeddings are tied). */
    public String lmHead() {
        return "lm_head.weight";
    }

    /**
     * The layer's query, key and value projections as one {@link Linear} in {@code manager}, rows
     * in the order the attention expects: all query heads, then all key heads, then all value
     * heads (query head {@code h} belongs to key/value head {@code h / (heads / kvHeads)}).
     *
     * @param layer the layer's prefix ({@link #layer(int)})
     * @param tmp freed right after the layer is built: for unfused copies
     */
    public Linear qkv(LlamaStyleConfig cfg, String layer, Checkpoint w, NDManager tmp, NDManager manager) {
        String a = layer + "self_attn.";
        long e = cfg.hidden();
        long kvOut = (long) cfg.kvHeads() * cfg.headDim();
        Linear q = LlamaStyleModel.linear(w, a + "q_proj", cfg.qkvBias(), tmp, (long) cfg.heads() * cfg.headDim(), e);
        Linear k = LlamaStyleModel.linear(w, a + "k_proj", cfg.qkvBias(), tmp, kvOut, e);
        Linear v = LlamaStyleModel.linear(w, a + "v_proj", cfg.qkvBias(), tmp, kvOut, e);
        return Linear.concat(manager, q, k, v);
    }

    /** The attention output projection [hidden, heads * head_dim]. */
    public Linear attentionOutput(LlamaStyleConfig cfg, String layer, Checkpoint w, NDManager manager) {
        return LlamaStyleModel.linear(w, layer + "self_attn.o_proj", cfg.outputBias(), manager, cfg.hidden(),
                (long) cfg.heads() * cfg.headDim());
    }

    /** The gated MLP {@code down(act(gate(x)) * up(x))} under {@code prefix}, width {@code intermediate}. */
    public GatedMlp gatedMlp(LlamaStyleConfig cfg, String prefix, long intermediate, boolean bias, Checkpoint w,
            NDManager tmp, NDManager manager, Scalars scalars) {
        long e = cfg.hidden();
        Linear gate = LlamaStyleModel.linear(w, prefix + gateProjection(), bias, tmp, intermediate, e);
        Linear up = LlamaStyleModel.linear(w, prefix + upProjection(), bias, tmp, intermediate, e);
        Linear down = LlamaStyleModel.linear(w, prefix + downProjection(), bias, manager, e, intermediate);
        return new GatedMlp(manager, gate, up, down, cfg.activation(), scalars);
    }
}
