package io.logitstream.worker.engine.glm;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.layers.GatedMlp;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleLayout;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * transformers' GLM names ({@code GlmForCausalLM}): the Hub layout of Llama, except that the MLP
 * stores gate and up fused in {@code mlp.gate_up_proj} [2 x intermediate, hidden], gate rows
 * first ({@code chunk(2)}: gate, then up). {@link #GLM4} adds GLM-4's two output norms.
 */
class GlmLayout extends LlamaStyleLayout {
    static final GlmLayout GLM = new GlmLayout();

    /** {@code Glm4ForCausalLM}: also {@code post_self_attn_layernorm} and {@code post_mlp_layernorm}. */
    static final GlmLayout GLM4 = new GlmLayout() {
        @Override
        public String attentionOutputNorm() {
            return "post_self_attn_layernorm.weight";
        }

        @Override
        public String feedForwardOutputNorm() {
            return "post_mlp_layernorm.weight";
        }
    };

    GlmLayout() {
    }

    /** The projection that holds gate then up, under the feed-forward prefix. */
    String gateUpProjection() {
        return "gate_up_proj";
    }

    @Override
    public GatedMlp gatedMlp(LlamaStyleConfig cfg, String prefix, long intermediate, boolean bias, Checkpoint w,
            NDManager tmp, NDManager manager, Scalars scalars) {
        long e = cfg.hidden();
        Linear gateUp = LlamaStyleModel.linear(w, prefix + gateUpProjection(), bias, manager, 2 * intermediate, e);
        Linear down = LlamaStyleModel.linear(w, prefix + downProjection(), bias, manager, e, intermediate);
        return new GatedMlp(gateUp, down, cfg.activation(), scalars);
    }
}
