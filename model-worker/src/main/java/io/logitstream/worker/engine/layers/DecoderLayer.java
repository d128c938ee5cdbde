package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;

/**
 * The pre-norm residual block every supported architecture uses:
 * {@code h = x + attn(norm1(x))}, then {@code h + ff(norm2(h))}. GPT-2 plugs in LayerNorm and its
 * MLP; the Llama family RMSNorm and a gated MLP or a mixture of experts. GLM-4 also norms each
 * sub-block's output before its residual add ({@code post_self_attn_layernorm},
 * {@code post_mlp_layernorm}): {@code h = x + norm3(attn(norm1(x)))}, {@code h + norm4(ff(norm2(h)))}.
 *
 * <p>Runs in the layer's scope (the manager of {@code x}); each temporary is closed as soon as
 * it has been used, and the residual additions are in place.
 */
public final class DecoderLayer {
    private final Norm inputNorm;
    private final MultiHeadAttention attention;
    private final Norm postAttentionNorm;
    private final FeedForward feedForward;
    /** Norms of the attention and feed-forward outputs (GLM-4), or null. */
    private final Norm attentionOutputNorm;
    private final Norm feedForwardOutputNorm;

    public DecoderLayer(Norm inputNorm, MultiHeadAttention attention, Norm postAttentionNorm, FeedForward feedForward) {
        this(inputNorm, attention, postAttentionNorm, feedForward, null, null);
    }

    /**
     * @param attentionOutputNorm applied to the attention output before the residual add, or null
     * @param feedForwardOutputNorm applied to the feed-forward output before the residual add, or null
     */
    public DecoderLayer(Norm inputNorm, MultiHeadAttention attention, Norm postAttentionNorm, FeedForward feedForward,
            Norm attentionOutputNorm, Norm feedForwardOutputNorm) {
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.feedForward = feedForward;
        this.attentionOutputNorm = attentionOutputNorm;
        this.feedForwardOutputNorm = feedForwardOutputNorm;
    }

    /** @param layer this layer's index (its slot in the KV cache) */
    public NDArray forward(NDArray x, int layer, LayerContext ctx) {
        NDArray normed = inputNorm.forward(x);
        NDArray attended = normOutput(attentionOutputNorm, attention.forward(normed, layer, ctx));
        normed.close();
        NDArray h = Torch.addInPlace(attended, x);
        NDArray normed2 = postAttentionNorm.forward(h);
        NDArray out = normOutput(feedForwardOutputNorm, feedForward.forward(normed2, ctx));
        normed2.close();
        return Torch.addInPlace(out, h);
    }

    private static NDArray normOutput(Norm norm, NDArray output) {
        if (norm == null) {
            return output;
        }
        try (output) {
            return norm.forward(output);
        }
    }

    public MultiHeadAttention attention() {
        return attention;
    }

    public FeedForward feedForward() {
        return feedForward;
    }
}
