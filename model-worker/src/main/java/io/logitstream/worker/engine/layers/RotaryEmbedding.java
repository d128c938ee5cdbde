package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embedding (RoPE) as in transformers' Llama: angles = position x inv_freq, and
 * {@code x*cos + rotate_half(x)*sin}. The inverse frequencies come from {@link RopeConfig}
 * (default, linear, llama3, dynamic NTK); they are computed with torch fp32 ops in the same order
 * as transformers, because a 1-ulp difference in them grows with the position and shows at 1e-4.
 *
 * <p>Dynamic NTK scaling is the one variant whose frequencies depend on the input: a forward whose
 * longest sequence ({@code max(position_ids) + 1}) exceeds {@code max_position_embeddings} uses
 * frequencies recomputed for that length (see {@link #angles(NDArray, long, DataType)}).
 */
public final class RotaryEmbedding {
    private final NDArray invFreq;
    private final int dim;
    private final float attentionScaling;
    private final DynamicNtk dynamic;
    /** The last dynamic inv_freq, by the sequence length it was computed for (decode reuses it). */
    private long cachedSeqLen = -1;
    private NDArray cachedInvFreq;

    /**
     * cos and sin for one forward pass, shaped [B, 1, T, dim] to broadcast over heads. The sign of
     * {@code rotate_half} is folded into {@code signedSin} (its first half is {@code -sin}), so
     * {@link #apply} needs no negation: {@code x2 * -sin} is bitwise {@code -x2 * sin}.
     */
    public record Angles(NDArray cos, NDArray signedSin) {
    }

    /** Dynamic NTK parameters: base theta, factor, and the length beyond which they apply. */
    private record DynamicNtk(NDManager manager, double theta, double factor, int maxPositions) {
    }

    /** Default RoPE: {@code inv_freq = 1 / theta^(2i/dim)}. */
    public RotaryEmbedding(NDManager manager, int dim, double theta) {
        this(defaultInvFreq(manager, dim, theta), dim, 1f);
    }

    /**
     * RoPE with precomputed inverse frequencies [dim/2] (scaled variants such as linear or llama3
     * adjust the default ones) and a cos/sin multiplier (1 except for yarn/longrope).
     * The model owns {@code invFreq}.
     */
    public RotaryEmbedding(NDArray invFreq, int dim, float attentionScaling) {
        this(invFreq, dim, attentionScaling, null);
    }

    private RotaryEmbedding(NDArray invFreq, int dim, float attentionScaling, DynamicNtk dynamic) {
        if (invFreq.getShape().size() != dim / 2) {
            throw new IllegalArgumentException("inv_freq has " + invFreq.getShape().size() + " entries, expected " + dim / 2);
        }
        this.invFreq = invFreq;
        this.dim = dim;
        this.attentionScaling = attentionScaling;
        this.dynamic = dynamic;
    }

    /**
     * Dynamic NTK-aware RoPE (transformers' {@code rope_type: dynamic}): the default frequencies up
     * to {@code maxPositions}; beyond, {@code base = theta * (factor * len / maxPositions - (factor - 1))
     * ^ (dim / (dim - 2))} for the current length.
     */
    public static RotaryEmbedding dynamicNtk(NDManager manager, int dim, double theta, double factor, int maxPositions) {
        return new RotaryEmbedding(defaultInvFreq(manager, dim, theta), dim, 1f,
                new DynamicNtk(manager, theta, factor, maxPositions));
    }

    /**
     * transformers' default inverse frequencies, computed with the same fp32 torch ops:
     * {@code 1.0 / (theta ** (arange(0, dim, 2).float() / dim))}. The result lives in {@code manager}.
     */
    public static NDArray defaultInvFreq(NDManager manager, int dim, double theta) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray inv = invFreqForBase(tmp, tmp.create((float) theta), dim);
            inv.attach(manager);
            return inv;
        }
    }

    /** {@code 1 / base ** (arange(0, dim, 2).float() / dim)} for a 0-d fp32 base, in {@code tmp}. */
    private static NDArray invFreqForBase(NDManager tmp, NDArray base, int dim) {
        NDArray exponents = tmp.arange(0, dim, 2, DataType.INT64).toType(DataType.FLOAT32, false)
                .div(tmp.create((float) dim));
        NDArray powers = base.pow(exponents);
        return tmp.create(1f).div(powers);
    }

    /**
     * transformers' {@code _compute_dynamic_ntk_parameters} for {@code seq_len}, op for op in fp32
     * (there {@code seq_len} is a 0-d int64 tensor, so the base arithmetic runs in fp32 too).
     */
    private NDArray dynamicInvFreq(long seqLen) {
        DynamicNtk d = dynamic;
        try (NDManager tmp = d.manager().newSubManager()) {
            NDArray len = tmp.create((float) seqLen);
            NDArray scaled = len.mul(tmp.create((float) d.factor()))
                    .div(tmp.create((float) d.maxPositions()))
                    .sub(tmp.create((float) (d.factor() - 1)));
            NDArray base = scaled.pow(tmp.create((float) ((double) dim / (dim - 2))))
                    .mul(tmp.create((float) d.theta()));
            NDArray inv = invFreqForBase(tmp, base, dim);
            inv.attach(d.manager());
            return inv;
        }
    }

    /** The inverse frequencies [dim/2] (fp32) used for sequences up to the context length. */
    public NDArray invFreq() {
        return invFreq;
    }

    /** Whether the frequencies depend on the sequence length (dynamic NTK). */
    public boolean isDynamic() {
        return dynamic != null;
    }

    /** The inverse frequencies for a forward whose longest sequence has {@code seqLen} positions. */
    public NDArray invFreq(long seqLen) {
        if (dynamic == null || seqLen <= dynamic.maxPositions()) {
            return invFreq;
        }
        if (seqLen != cachedSeqLen) {
            if (cachedInvFreq != null) {
                cachedInvFreq.close();
            }
            cachedInvFreq = dynamicInvFreq(seqLen);
            cachedSeqLen = seqLen;
        }
        return cachedInvFreq;
    }

    /** fp32 angles for integer position ids [B, T] (any integer type) living in the forward scope. */
    public Angles angles(NDArray positionIds) {
        long seqLen = dynamic == null ? 0 : positionIds.max().getLong() + 1;
        return angles(positionIds, seqLen, DataType.FLOAT32);
    }

    /**
     * Angles for position ids [B, T] in the forward scope, cast to the compute type.
     *
     * @param seqLen {@code max(position_ids) + 1} over the batch: selects dynamic NTK frequencies
     */
    public Angles angles(NDArray positionIds, long seqLen, DataType type) {
        NDManager scope = positionIds.getManager();
        long b = positionIds.getShape().get(0);
        long t = positionIds.getShape().get(1);
        NDArray inv = invFreq(seqLen);
        try (NDArray pos = positionIds.toType(DataType.FLOAT32, false);
                NDArray pos3 = pos.reshape(b, t, 1);
                NDArray freqs = pos3.mul(inv);
                NDArray halfCos = freqs.cos();
                NDArray halfSin = freqs.sin();
                NDArray negSin = halfSin.neg()) {
            // transformers: emb = cat(freqs, freqs); cos(emb), sin(emb): the same values twice
            NDArray cos = NDArrays.concat(new NDList(halfCos, halfCos), -1).reshape(b, 1, t, dim);
            NDArray sin = NDArrays.concat(new NDList(negSin, halfSin), -1).reshape(b, 1, t, dim);
            if (attentionScaling != 1f) {
                cos = cos.mul(attentionScaling);
                sin = sin.mul(attentionScaling);
            }
            cos = Torch.cast(cos, type);
            sin = Torch.cast(sin, type);
            cos.attach(scope);
            sin.attach(scope);
            return new Angles(cos, sin);
        }
    }

    /**
     * Rotates queries and/or keys [B, H, T, dim]: {@code x * cos + rotate_half(x) * sin}, with
     * {@code rotate_half(x) = cat(-x2, x1)}. Returns a new tensor.
     */
    public NDArray apply(NDArray x, Angles a) {
        NDManager scope = x.getManager();
        int last = x.getShape().dimension() - 1;
        try (NDArray x1 = Torch.narrow(x, last, 0, dim / 2, scope);
                NDArray x2 = Torch.narrow(x, last, dim / 2, dim, scope);
                NDArray rotated = NDArrays.concat(new NDList(x2, x1), -1)) {
            NDArray out = x.mul(a.cos());
            Torch.mulInPlace(rotated, a.signedSin());
            return Torch.addInPlace(out, rotated);
        }
    }

    public int dim() {
        return dim;
    }
}
