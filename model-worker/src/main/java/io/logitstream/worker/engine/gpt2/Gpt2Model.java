package io.logitstream.worker.engine.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.DecoderOnlyModel;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.DecoderLayer;
import io.logitstream.worker.engine.layers.LayerContext;
import io.logitstream.worker.engine.layers.LayerNorm;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.layers.Mlp;
import io.logitstream.worker.engine.layers.MultiHeadAttention;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.weights.Checkpoint;

/**
 * GPT-2 ({@code model_type: gpt2}, transformers' GPT2LMHeadModel): learned absolute position
 * embeddings, pre-norm blocks with LayerNorm, fused c_attn, GELU-new MLP, LM head tied to the
 * token embedding unless the checkpoint has its own {@code lm_head.weight}.
 *
 * <p>Weights are accepted with or without the {@code transformer.} prefix (save_pretrained of
 * GPT2LMHeadModel writes it; the original OpenAI conversion does not). Conv1D weights [in, out]
 * are used through transposed views, without copies.
 */
public final class Gpt2Model extends DecoderOnlyModel {
    public static final String MODEL_TYPE = "gpt2";

    private final Gpt2Config cfg;
    private final NDArray wte;
    private final NDArray wpe;
    private final DecoderLayer[] blocks;
    private final LayerNorm lnF;
    private final NDArray lmHead;

    private Gpt2Model(ModelConfig config, Gpt2Config cfg, NDManager manager, Checkpoint w) {
        super(config, manager, w.computeType());
        this.cfg = cfg;
        String p = w.has("transformer.wte.weight") ? "transformer." : "";
        int e = cfg.hidden();
        wte = w.load(p + "wte.weight", manager, cfg.vocab(), e);
        wpe = w.load(p + "wpe.weight", manager, cfg.positions(), e);
        blocks = new DecoderLayer[cfg.layers()];
        for (int i = 0; i < cfg.layers(); i++) {
            String b = p + "h." + i + ".";
            LayerNorm ln1 = new LayerNorm(w.load(b + "ln_1.weight", manager, e), w.load(b + "ln_1.bias", manager, e),
                    cfg.layerNormEps());
            LayerNorm ln2 = new LayerNorm(w.load(b + "ln_2.weight", manager, e), w.load(b + "ln_2.bias", manager, e),
                    cfg.layerNormEps());
            Linear cAttn = Linear.loadConv1d(w, b + "attn.c_attn", manager, e, 3L * e);
            Linear cProj = Linear.loadConv1d(w, b + "attn.c_proj", manager, e, e);
            MultiHeadAttention attn = new MultiHeadAttention(cAttn, cProj, cfg.heads(), cfg.heads(), cfg.headDim(),
                    cfg.attentionScale(i), null, scalars);
            int inner = cfg.innerSize();
            Linear fc = Linear.loadConv1d(w, b + "mlp.c_fc", manager, e, inner);
            Linear proj = Linear.loadConv1d(w, b + "mlp.c_proj", manager, inner, e);
            blocks[i] = new DecoderLayer(ln1, attn, ln2, new Mlp(fc, proj, cfg.activation(), scalars));
        }
        lnF = new LayerNorm(w.load(p + "ln_f.weight", manager, e), w.load(p + "ln_f.bias", manager, e),
                cfg.layerNormEps());
        lmHead = !cfg.tieWordEmbeddings() && w.has("lm_head.weight")
                ? w.load("lm_head.weight", manager, cfg.vocab(), e)
                : wte;
    }

    /** Loads the weights into {@code manager} (which the model then owns). */
    public static Gpt2Model load(ModelConfig config, Checkpoint weights, NDManager manager) {
        return new Gpt2Model(config, Gpt2Config.from(config), manager, weights);
    }

    public Gpt2Config gpt2Config() {
        return cfg;
    }

    @Override
    protected NDArray embed(NDArray ids, NDArray positionIds) {
        NDArray tokens = Torch.embedding(ids, wte);
        try (NDArray positions = Torch.embedding(positionIds, wpe)) {
            return Torch.addInPlace(tokens, positions);
        }
    }

    @Override
    protected int numLayers() {
        return blocks.length;
    }

    @Override
    protected NDArray layer(int i, NDArray hidden, LayerContext ctx) {
        return blocks[i].forward(hidden, i, ctx);
    }

    @Override
    protected NDArray finalNorm(NDArray hidden) {
        return lnF.forward(hidden);
    }

    @Override
    protected NDArray lmHead(NDArray hidden) {
        return Torch.linear(hidden, lmHead, null);
    }

    @Override
    public int contextLength() {
        return cfg.positions();
    }
}
