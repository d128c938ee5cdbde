package io.logitstream.worker.engine.internlm2;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleLayout;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * The tensor names of an InternLM2 / 2.5 folder (its remote-code {@code InternLM2ForCausalLM}):
 * {@code model.tok_embeddings}, per layer {@code attention_norm}, {@code attention.wqkv} (packed,
 * see {@link WqkvPacking}), {@code attention.wo}, {@code ffn_norm}, {@code feed_forward.w1}
 * (gate), {@code w3} (up), {@code w2} (down); {@code model.norm}, {@code output}.
 */
final class InternLm2Layout extends LlamaStyleLayout {
    static final InternLm2Layout INSTANCE = new InternLm2Layout();

    private InternLm2Layout() {
    }

    @Override
    public String embedding() {
        return "model.tok_embeddings.weight";
    }

    @Override
    public String inputNorm() {
        return "attention_norm.weight";
    }

    @Override
    public String postAttentionNorm() {
        return "ffn_norm.weight";
    }

    @Override
    public String feedForward() {
        return "feed_forward.";
    }

    @Override
    public String gateProjection() {
        return "w1";
    }

    @Override
    public String upProjection() {
        return "w3";
    }

    @Override
    public String downProjection() {
        return "w2";
    }

    @Override
    public String lmHead() {
        return "output.weight";
    }

    @Override
    public Linear qkv(LlamaStyleConfig cfg, String layer, Checkpoint w, NDManager tmp, NDManager manager) {
        return new WqkvPacking(cfg.heads(), cfg.kvHeads(), cfg.headDim())
                .unpack(w, layer + "attention.wqkv", cfg.qkvBias(), cfg.hidden(), tmp, manager);
    }

    @Override
    public Linear attentionOutput(LlamaStyleConfig cfg, String layer, Checkpoint w, NDManager manager) {
        return LlamaStyleModel.linear(w, layer + "attention.wo", cfg.outputBias(), manager, cfg.hidden(),
                (long) cfg.heads() * cfg.headDim());
    }
}
