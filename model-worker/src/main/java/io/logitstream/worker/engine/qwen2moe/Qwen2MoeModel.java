package io.logitstream.worker.engine.qwen2moe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.FeedForward;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.layers.MoeBlock;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.llama.LlamaStyleModel;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.util.List;

/**
 * Qwen2-MoE / Qwen1.5-MoE ({@code model_type: qwen2_moe}, transformers' Qwen2MoeForCausalLM): the
 * Llama-style decoder whose sparse layers ({@link Qwen2MoeConfig#isSparse}) replace the MLP with
 * a {@link MoeBlock}: router {@code mlp.gate.weight} [E, H], experts
 * {@code mlp.experts.<e>.{gate,up,down}_proj.weight} (the Hub layout; transformers 5's fused
 * {@code mlp.experts.gate_up_proj} [E, 2I, H] / {@code mlp.experts.down_proj} [E, H, I] is read
 * too), shared expert {@code mlp.shared_expert.*} and its gate {@code mlp.shared_expert_gate.weight}
 * [1, H]. Like transformers, a forward with {@code output_router_logits} (per call, or the
 * config's default) returns the router logits of the sparse layers in layer order
 * ({@link #routerLogitLayers()}) and the load-balancing {@code aux_loss}, and adds
 * {@code router_aux_loss_coef * aux_loss} to the loss when labels are given; otherwise the loss
 * is the plain LM loss.
 */
public final class Qwen2MoeModel extends LlamaStyleModel {
    public static final String MODEL_TYPE = "qwen2_moe";

    private final Qwen2MoeConfig moe;

    private Qwen2MoeModel(ModelConfig config, Qwen2MoeConfig moe, Checkpoint w, NDManager manager) {
        super(config, moe.decoder(), w, manager, (i, prefix, weights, tmp, m, s) -> moe.isSparse(i)
                ? moeBlock(moe, prefix, weights, tmp, m, s)
                : gatedMlp(moe.decoder(), prefix, moe.decoder().intermediate(), false, weights, tmp, m, s));
        this.moe = moe;
    }

    /** Loads the weights into {@code manager} (which the model then owns). */
    public static Qwen2MoeModel load(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new Qwen2MoeModel(config, Qwen2MoeConfig.parse(config), weights, manager);
    }

    private static FeedForward moeBlock(Qwen2MoeConfig moe, String p, Checkpoint w, NDManager tmp, NDManager manager,
            Scalars scalars) {
        LlamaStyleConfig d = moe.decoder();
        long h = d.hidden();
        long inter = moe.moeIntermediate();
        int experts = moe.numExperts();
        Linear router = linear(w, p + "gate", false, tmp, experts, h);
        Linear[] gate = new Linear[experts];
        Linear[] up = new Linear[experts];
        Linear[] down = new Linear[experts];
        if (w.has(p + "experts.gate_up_proj")) {
            NDArray gateUp = w.load(p + "experts.gate_up_proj", tmp, experts, 2 * inter, h);
            NDArray downAll = w.load(p + "experts.down_proj", tmp, experts, h, inter);
            for (int e = 0; e < experts; e++) {
                NDArray gu = Torch.narrow(gateUp, 0, e, e + 1L, tmp).reshape(2 * inter, h);
                gate[e] = Linear.of(w, Torch.narrow(gu, 0, 0, inter, tmp), null, tmp);
                up[e] = Linear.of(w, Torch.narrow(gu, 0, inter, 2 * inter, tmp), null, tmp);
                down[e] = Linear.of(w, Torch.narrow(downAll, 0, e, e + 1L, tmp).reshape(h, inter), null, tmp);
            }
        } else {
            for (int e = 0; e < experts; e++) {
                String x = p + "experts." + e + ".";
                gate[e] = linear(w, x + "gate_proj", false, tmp, inter, h);
                up[e] = linear(w, x + "up_proj", false, tmp, inter, h);
                down[e] = linear(w, x + "down_proj", false, tmp, h, inter);
            }
        }
        long shared = moe.sharedExpertIntermediate();
        Linear sharedGate = linear(w, p + "shared_expert_gate", false, tmp, 1, h);
        Linear sharedGateProj = linear(w, p + "shared_expert.gate_proj", false, tmp, shared, h);
        Linear sharedUp = linear(w, p + "shared_expert.up_proj", false, tmp, shared, h);
        Linear sharedDown = linear(w, p + "shared_expert.down_proj", false, manager, h, shared);
        return new MoeBlock(manager, router, gate, up, down, sharedGate, sharedGateProj, sharedUp, sharedDown,
                d.activation(), moe.numExpertsPerToken(), moe.normTopKProb(), scalars);
    }

    @Override
    protected boolean outputRouterLogitsByDefault() {
        return moe.outputRouterLogits();
    }

    @Override
    protected Float routerAuxLoss(List<NDArray> routerLogits, float[] tokenMask, NDManager scope) {
        return MoeBlock.loadBalancingLoss(routerLogits, moe.numExperts(), moe.numExpertsPerToken(), tokenMask, scope);
    }

    @Override
    protected double routerAuxLossCoef() {
        return moe.routerAuxLossCoef();
    }

    public Qwen2MoeConfig moeConfig() {
        return moe;
    }

    @Override
    public List<Integer> routerLogitLayers() {
        return List.copyOf(new java.util.TreeSet<>(moe.sparseLayers()));
    }

    /** Forces dense or sparse expert evaluation in every MoE layer (tests, benchmarks). */
    public void setMoeStrategy(MoeBlock.Strategy strategy) {
        for (int i = 0; i < numLayers(); i++) {
            if (feedForward(i) instanceof MoeBlock b) {
                b.setStrategy(strategy);
            }
        }
    }
}
