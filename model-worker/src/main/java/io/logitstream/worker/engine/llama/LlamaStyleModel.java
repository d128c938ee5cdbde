package io.logitstream.worker.engine.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.DecoderOnlyModel;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.DecoderLayer;
import io.logitstream.worker.engine.layers.FeedForward;
import io.logitstream.worker.engine.layers.GatedMlp;
import io.logitstream.worker.engine.layers.LayerContext;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.layers.MultiHeadAttention;
import io.logitstream.worker.engine.layers.RmsNorm;
import io.logitstream.worker.engine.layers.RopeConfig;
import io.logitstream.worker.engine.layers.RotaryEmbedding;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * The decoder shared by Llama, Mistral, Qwen2 and Qwen2-MoE (transformers'
 * {@code LlamaForCausalLM} and its copies): token embedding, pre-norm {@link DecoderLayer}s of
 * RMSNorm + rotary grouped-query attention + a feed-forward block, final RMSNorm, LM head (tied
 * to the embedding when {@code tie_word_embeddings}).
 *
 * <p>Weights are found where a {@link LlamaStyleLayout} says: by default the Hub names
 * {@code model.embed_tokens.weight},
 * {@code model.layers.<i>.{input_layernorm,post_attention_layernorm}.weight},
 * {@code model.layers.<i>.self_attn.{q,k,v,o}_proj.{weight,bias}}, {@code model.norm.weight},
 * {@code lm_head.weight}; every shape is checked at load. q/k/v are fused into one projection and
 * gate/up into another (the separate copies are freed after fusing). The feed-forward block of
 * each layer comes from a {@link FeedForwardLoader}: the gated MLP by default, experts for MoE.
 */
public class LlamaStyleModel extends DecoderOnlyModel {
    /** Builds layer {@code layer}'s feed-forward block from weights under {@code prefix} (e.g. "model.layers.i.mlp."). */
    @FunctionalInterface
    public interface FeedForwardLoader {
        /**
         * @param tmp a manager freed right after the layer is built: load weights that get fused there
         * @param manager the model's manager: fused and unfused weights the block keeps
         */
        FeedForward load(int layer, String prefix, Checkpoint weights, NDManager tmp, NDManager manager, Scalars scalars);
    }

    protected final LlamaStyleConfig cfg;
    private final NDArray embedTokens;
    private final NDArray lmHead;
    private final DecoderLayer[] layers;
    private final RmsNorm norm;
    private final RotaryEmbedding rope;

    protected LlamaStyleModel(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager) {
        this(config, cfg, w, manager, LlamaStyleLayout.HUB);
    }

    /** The decoder with gated MLPs, its weights named as {@code layout} says. */
    protected LlamaStyleModel(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager,
            LlamaStyleLayout layout) {
        this(config, cfg, w, manager, layout, (i, prefix, weights, tmp, m, s) -> layout.gatedMlp(cfg, prefix,
                cfg.intermediate(), cfg.mlpBias(), weights, tmp, m, s));
    }

    protected LlamaStyleModel(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager,
            FeedForwardLoader feedForward) {
        this(config, cfg, w, manager, LlamaStyleLayout.HUB, feedForward);
    }

    protected LlamaStyleModel(ModelConfig config, LlamaStyleConfig cfg, Checkpoint w, NDManager manager,
            LlamaStyleLayout layout, FeedForwardLoader feedForward) {
        super(config, manager, w.computeType());
        this.cfg = cfg;
        long e = cfg.hidden();
        embedTokens = w.load(layout.embedding(), manager, cfg.vocab(), e);
        rope = cfg.rope().create(manager);
        layers = new DecoderLayer[cfg.layers()];
        float scale = (float) Math.pow(cfg.headDim(), -0.5);
        for (int i = 0; i < cfg.layers(); i++) {
            String p = layout.layer(i);
            try (NDManager tmp = manager.newSubManager()) {
                RmsNorm in = new RmsNorm(w.load(p + layout.inputNorm(), manager, e), cfg.rmsNormEps(), scalars);
                RmsNorm post = new RmsNorm(w.load(p + layout.postAttentionNorm(), manager, e), cfg.rmsNormEps(),
                        scalars);
                MultiHeadAttention attn = new MultiHeadAttention(layout.qkv(cfg, p, w, tmp, manager),
                        layout.attentionOutput(cfg, p, w, manager), cfg.heads(), cfg.kvHeads(), cfg.headDim(), scale,
                        rope, cfg.isSliding(i), scalars);
                FeedForward ff = feedForward.load(i, p + layout.feedForward(), w, tmp, manager, scalars);
                layers[i] = new DecoderLayer(in, attn, post, ff, optionalNorm(w, p, layout.attentionOutputNorm(),
                        manager), optionalNorm(w, p, layout.feedForwardOutputNorm(), manager));
            }
        }
        norm = new RmsNorm(w.load(layout.finalNorm(), manager, e), cfg.rmsNormEps(), scalars);
        lmHead = cfg.tieWordEmbeddings() ? embedTokens : w.load(layout.lmHead(), manager, cfg.vocab(), e);
    }

    /** The RMSNorm {@code layer + name} when the layout names one, else null. */
    private RmsNorm optionalNorm(Checkpoint w, String layer, String name, NDManager manager) {
        return name == null ? null : new RmsNorm(w.load(layer + name, manager, cfg.hidden()), cfg.rmsNormEps(), scalars);
    }

    /**
     * {@code <name>.weight} [out, in] and, when {@code bias}, {@code <name>.bias} [out], loaded into {@code m}
     * as the checkpoint's weight mode says (float, int8 as stored by bitsandbytes, or quantized at load).
     */
    public static Linear linear(Checkpoint w, String name, boolean bias, NDManager m, long out, long in) {
        return Linear.load(w, name, bias, m, out, in);
    }

    /** The gated MLP of the Hub layout ({@code gate_proj}, {@code up_proj}, {@code down_proj}) under {@code prefix}. */
    public static GatedMlp gatedMlp(LlamaStyleConfig cfg, String prefix, long intermediate, boolean bias,
            Checkpoint w, NDManager tmp, NDManager manager, Scalars scalars) {
        return LlamaStyleLayout.HUB.gatedMlp(cfg, prefix, intermediate, bias, w, tmp, manager, scalars);
    }

    public LlamaStyleConfig llamaStyleConfig() {
        return cfg;
    }

    /** Layer {@code i}'s feed-forward block (a {@code GatedMlp} or a {@code MoeBlock}). */
    public FeedForward feedForward(int i) {
        return layers[i].feedForward();
    }

    @Override
    protected NDArray embed(NDArray ids, NDArray positionIds) {
        return Torch.embedding(ids, embedTokens);
    }

    @Override
    protected int numLayers() {
        return layers.length;
    }

    @Override
    protected NDArray layer(int i, NDArray hidden, LayerContext ctx) {
        return layers[i].forward(hidden, i, ctx);
    }

    @Override
    protected NDArray finalNorm(NDArray hidden) {
        return norm.forward(hidden);
    }

    @Override
    protected NDArray lmHead(NDArray hidden) {
        return Torch.linear(hidden, lmHead, null);
    }

    /**
     * {@code max_position_embeddings}, except with dynamic NTK rope, whose purpose is to run past it:
     * then {@code factor} times as long (the length the NTK scaling is designed to stretch to).
     */
    @Override
    public int contextLength() {
        if (RopeConfig.DYNAMIC.equals(cfg.rope().type())) {
            return (int) Math.floor(cfg.maxPositions() * cfg.rope().factor());
        }
        return cfg.maxPositions();
    }

    @Override
    protected RotaryEmbedding rotary() {
        return rope;
    }

    @Override
    protected Integer slidingWindow() {
        return cfg.slidingWindow();
    }

    @Override
    protected boolean isSlidingLayer(int i) {
        return cfg.isSliding(i);
    }
}
