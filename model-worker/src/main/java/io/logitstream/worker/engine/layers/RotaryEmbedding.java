package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embedding (RoPE, "default" type) as in transformers' Llama:
 * {@code inv_freq = 1 / theta^(2i/d)}, angles = position x inv_freq, and
 * {@code x*cos + rotate_half(x)*sin}. inv_freq is computed with torch fp32 ops in the same order
 * as transformers, because a 1-ulp difference in it grows with the position and shows at 1e-4.
 */
public final class RotaryEmbedding {
    private final NDArray invFreq;
    private final int dim;
    private final float attentionScaling;

    /** cos and sin for one forward pass, shaped [B, 1, T, dim] to broadcast over heads. */
    public record Angles(NDArray cos, NDArray sin) {
    }

    /** Default RoPE: {@code inv_freq = 1 / theta^(2i/dim)}. */
    public RotaryEmbedding(NDManager manager, int dim, double theta) {
        this(defaultInvFreq(manager, dim, theta), dim, 1f);
    }

    /**
     * RoPE with precomputed inverse frequencies [dim/2] (scaled variants such as linear, dynamic,
     * llama3 or yarn adjust the default ones) and a cos/sin multiplier (1 except for yarn/longrope).
     * The model owns {@code invFreq}.
     */
    public RotaryEmbedding(NDArray invFreq, int dim, float attentionScaling) {
        if (invFreq.getShape().size() != dim / 2) {
            throw new IllegalArgumentException("inv_freq has " + invFreq.getShape().size() + " entries, expected " + dim / 2);
        }
        this.invFreq = invFreq;
        this.dim = dim;
        this.attentionScaling = attentionScaling;
    }

    /**
     * transformers' default inverse frequencies, computed with the same fp32 torch ops:
     * {@code 1.0 / (theta ** (arange(0, dim, 2).float() / dim))}. The result lives in {@code manager}.
     */
    public static NDArray defaultInvFreq(NDManager manager, int dim, double theta) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray exponents = tmp.arange(0, dim, 2, DataType.INT64).toType(DataType.FLOAT32, false)
                    .div(tmp.create((float) dim));
            NDArray powers = tmp.create((float) theta).pow(exponents);
            NDArray inv = tmp.create(1f).div(powers);
            inv.attach(manager);
            return inv;
        }
    }

    /** The inverse frequencies [dim/2] (fp32). */
    public NDArray invFreq() {
        return invFreq;
    }

    /** Angles for integer position ids [B, T] (any integer type) living in the forward scope. */
    public Angles angles(NDArray positionIds) {
        NDManager scope = positionIds.getManager();
        long b = positionIds.getShape().get(0);
        long t = positionIds.getShape().get(1);
        try (NDArray pos = positionIds.toType(DataType.FLOAT32, false);
                NDArray pos3 = pos.reshape(b, t, 1);
                NDArray freqs = pos3.mul(invFreq);
                NDArray emb = NDArrays.concat(new ai.djl.ndarray.NDList(freqs, freqs), -1)) {
            NDArray cos = emb.cos().reshape(b, 1, t, dim);
            NDArray sin = emb.sin().reshape(b, 1, t, dim);
            if (attentionScaling != 1f) {
                cos = cos.mul(attentionScaling);
                sin = sin.mul(attentionScaling);
            }
            cos.attach(scope);
            sin.attach(scope);
            return new Angles(cos, sin);
        }
    }

    /** Rotates queries or keys [B, H, T, dim]; returns a new tensor. */
    public NDArray apply(NDArray x, Angles a) {
        NDManager scope = x.getManager();
        int last = x.getShape().dimension() - 1;
        try (NDArray x1 = Torch.narrow(x, last, 0, dim / 2, scope);
                NDArray x2 = Torch.narrow(x, last, dim / 2, dim, scope);
                NDArray negX2 = x2.neg();
                NDArray rotated = NDArrays.concat(new ai.djl.ndarray.NDList(negX2, x1), -1)) {
            NDArray out = x.mul(a.cos());
            Torch.mulInPlace(rotated, a.sin());
            return Torch.addInPlace(out, rotated);
        }
    }

    public int dim() {
        return dim;
    }
}
