package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;

/**
 * The pre-norm residual block every supported architecture uses:
 * {@code h = x + attn(norm1(x))}, then {@code h + ff(norm2(h))}. GPT-2 plugs in LayerNorm and its
 * MLP; the Llama family RMSNorm and a gated MLP or a mixture of experts.
 *
 * <p>Runs in the layer's scope (the manager of {@code x}); each temporary is closed as soon as
 * it has been used, and the residual additions are in place.
 */
public final class DecoderLayer {
    private final Norm inputNorm;
    private final MultiHeadAttention attention;
    private final Norm postAttentionNorm;
    private final FeedForward feedForward;

    public DecoderLayer(Norm inputNorm, MultiHeadAttention attention, Norm postAttentionNorm, FeedForward feedForward) {
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.feedForward = feedForward;
    }

    /** @param layer this layer's index (its slot in the KV cache) */
    public NDArray forward(NDArray x, int layer, LayerContext ctx) {
        NDArray normed = inputNorm.forward(x);
        NDArray attended = attention.forward(normed, layer, ctx);
        normed.close();
        NDArray h = Torch.addInPlace(attended, x);
        NDArray normed2 = postAttentionNorm.forward(h);
        NDArray out = feedForward.forward(normed2, ctx);
        normed2.close();
        return Torch.addInPlace(out, h);
    }

    public MultiHeadAttention attention() {
        return attention;
    }

    public FeedForward feedForward() {
        return feedForward;
    }
}
