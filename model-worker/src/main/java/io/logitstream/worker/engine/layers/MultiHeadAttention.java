package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;

/**
 * Causal self-attention with a KV cache, shared by all architectures: one fused q/k/v GEMM,
 * optional rotary embedding, grouped-query attention (fewer key/value heads than query heads),
 * additive mask, softmax, output projection.
 *
 * <p>Grouped-query attention folds the query heads of a group into the sequence axis
 * ([B, Hkv, G*T, D]) instead of repeating keys/values G times, so K/V are never copied.
 * q/k/v are views into the fused projection; queries are pre-scaled (T*D multiplies instead of
 * T*S).
 */
public final class MultiHeadAttention {
    private final Linear qkv;
    private final Linear out;
    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;
    private final NDArray scale;
    private final RotaryEmbedding rope;
    private final boolean sliding;

    /**
     * @param qkv fused projection with output [(numHeads + 2 numKvHeads) * headDim]: q, then k, then v
     * @param out output projection [hidden, numHeads * headDim]
     * @param scale multiplier of q.k (1/sqrt(headDim) usually)
     * @param rope rotary embedding, or null (GPT-2 uses learned absolute positions)
     */
    public MultiHeadAttention(Linear qkv, Linear out, int numHeads, int numKvHeads, int headDim,
            float scale, RotaryEmbedding rope, Scalars scalars) {
        this(qkv, out, numHeads, numKvHeads, headDim, scale, rope, false, scalars);
    }

    /**
     * @param sliding whether this layer attends through the sliding-window mask
     *     ({@link LayerContext#mask(boolean)}) instead of the full causal one
     */
    public MultiHeadAttention(Linear qkv, Linear out, int numHeads, int numKvHeads, int headDim,
            float scale, RotaryEmbedding rope, boolean sliding, Scalars scalars) {
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " is not a multiple of num_key_value_heads " + numKvHeads);
        }
        long expected = (long) (numHeads + 2 * numKvHeads) * headDim;
        if (qkv.outFeatures() != expected) {
            throw new IllegalArgumentException("fused qkv projection has " + qkv.outFeatures()
                    + " outputs, expected " + expected);
        }
        this.qkv = qkv;
        this.out = out;
        this.numHeads = numHeads;
        this.numKvHeads = numKvHeads;
        this.headDim = headDim;
        this.scale = scalars.of(scale);
        this.rope = rope;
        this.sliding = sliding;
    }

    public boolean sliding() {
        return sliding;
    }

    /**
     * @param x hidden states [B, T, hidden] in the layer's scope (all temporaries go there)
     * @param layer index of this layer in the KV cache
     */
    public NDArray forward(NDArray x, int layer, LayerContext ctx) {
        NDManager scope = x.getManager();
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        int h = numHeads;
        int kvh = numKvHeads;
        NDArray fused = qkv.forward(x);
        NDArray heads = fused.reshape(b, t, h + 2L * kvh, headDim).transpose(0, 2, 1, 3);
        NDArray q;
        NDArray k;
        NDArray v = Torch.narrow(heads, 1, h + kvh, h + 2L * kvh, scope);
        if (rope != null) {
            // queries and keys are adjacent heads of the fused projection: rotate them in one go
            NDArray qk = rope.apply(Torch.narrow(heads, 1, 0, h + kvh, scope), ctx.rope());
            q = Torch.narrow(qk, 1, 0, h, scope);
            k = Torch.narrow(qk, 1, h, h + kvh, scope);
            Torch.mulInPlace(q, scale);
        } else {
            q = Torch.narrow(heads, 1, 0, h, scope).mul(scale);
            k = Torch.narrow(heads, 1, h, h + kvh, scope);
        }
        if (ctx.slotBatch() != null) {
            // continuous batching: b == 1, the t tokens of every sequence of the step in one row
            return out.forward(ctx.slotBatch().attend(layer, q, k, v, sliding));
        }
        if (ctx.cache() != null) {
            NDArray[] kv = ctx.cache().append(layer, k, v, scope);
            k = kv[0];
            v = kv[1];
        }
        NDArray attended = ScaledDotProduct.attend(q, k, v, ctx.mask(sliding));
        NDArray merged = attended.transpose(0, 2, 1, 3).reshape(b, t, (long) h * headDim);
        return out.forward(merged);
    }
}
