package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embedding (RoPE) as in transformers' Llama: angles = position x inv_freq, and
 * {@code x*cos + rotate_half(x)*sin}. Two variants of the layout, for GLM and ChatGLM: only the
 * first {@link #dim()} channels of a head rotate (the rest pass through, when the head is wider),
 * and with {@link #withInterleavedPairs()} channel {@code 2i} pairs with {@code 2i+1} instead of
 * {@code i} with {@code i + dim/2} (transformers' glm {@code rotate_half}:
 * {@code stack((-x[1::2], x[0::2]), -1).flatten(-2)}, cos/sin repeated per pair). The inverse
 * frequencies come from {@link RopeConfig} (default, linear, llama3, dynamic NTK); they are
 * computed with torch fp32 ops in the same order as transformers, because a 1-ulp difference in
 * them grows with the position and shows at 1e-4.
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
    /** Pairs (2i, 2i+1) rotate together (GLM) instead of (i, i + dim/2). */
    private final boolean interleaved;
    /** The last dynamic inv_freq, by the sequence length it was computed for (decode reuses it). */
    private long cachedSeqLen = -1;
    private NDArray cachedInvFreq;

    /**
     * cos and sin for one forward pass, shaped [B, 1, T, dim] to broadcast over heads. The sign of
     * {@code rotate_half} is folded into {@code signedSin} (its first half is {@code -sin}; with
     * interleaved pairs, its even channels), so
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
        this(invFreq, dim, attentionScaling, dynamic, false);
    }

    private RotaryEmbedding(NDArray invFreq, int dim, float attentionScaling, DynamicNtk dynamic,
            boolean interleaved) {
        if (invFreq.getShape().size() != dim / 2) {
            throw new IllegalArgumentException("inv_freq has " + invFreq.getShape().size() + " entries, expected " + dim / 2);
        }
        this.invFreq = invFreq;
        this.dim = dim;
        this.attentionScaling = attentionScaling;
        this.dynamic = dynamic;
        this.interleaved = interleaved;
    }

    /** The same frequencies applied to interleaved channel pairs (2i, 2i+1), as GLM and ChatGLM do. */
    public RotaryEmbedding withInterleavedPairs() {
        return new RotaryEmbedding(invFreq, dim, attentionScaling, dynamic, true);
    }

    public boolean interleaved() {
        return interleaved;
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
            // transformers: emb = cat(freqs, freqs); cos(emb), sin(emb): the same values twice; glm
            // repeat_interleave(2)s the first half instead: each value twice in a row
            NDArray cos = pairUp(halfCos, halfCos).reshape(b, 1, t, dim);
            NDArray sin = pairUp(negSin, halfSin).reshape(b, 1, t, dim);
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

    /** {@code [first, second]} halves, or with interleaved pairs {@code [first_0, second_0, first_1, ...]}. */
    private NDArray pairUp(NDArray first, NDArray second) {
        return interleaved ? NDArrays.stack(new NDList(first, second), -1)
                : NDArrays.concat(new NDList(first, second), -1);
    }

    /**
     * Rotates queries and/or keys [B, H, T, headDim]: {@code x * cos + rotate_half(x) * sin} on
     * the first {@link #dim()} channels, with {@code rotate_half(x) = cat(-x2, x1)} (or, with
     * interleaved pairs, {@code (-x1, x0, -x3, x2, ...)}); channels beyond {@code dim} pass
     * through unchanged (partial rotary). Returns a new tensor.
     */
    public NDArray apply(NDArray x, Angles a) {
        int last = x.getShape().dimension() - 1;
        long width = x.getShape().get(last);
        if (width == dim) {
            return rotate(x, a);
        }
        NDManager scope = x.getManager();
        try (NDArray head = Torch.narrow(x, last, 0, dim, scope);
                NDArray pass = Torch.narrow(x, last, dim, width, scope);
                NDArray rotated = rotate(head, a)) {
            return NDArrays.concat(new NDList(rotated, pass), -1);
        }
    }

    private NDArray rotate(NDArray x, Angles a) {
        try (NDArray swapped = interleaved ? swapPairs(x) : swapHalves(x)) {
            NDArray out = x.mul(a.cos());
            Torch.mulInPlace(swapped, a.signedSin());
            return Torch.addInPlace(out, swapped);
        }
    }

    /** {@code cat(x2, x1)} over the last axis (the sign lives in signedSin). */
    private NDArray swapHalves(NDArray x) {
        NDManager scope = x.getManager();
        int last = x.getShape().dimension() - 1;
        try (NDArray x1 = Torch.narrow(x, last, 0, dim / 2, scope);
                NDArray x2 = Torch.narrow(x, last, dim / 2, dim, scope)) {
            return NDArrays.concat(new NDList(x2, x1), -1);
        }
    }

    /** {@code (x1, x0, x3, x2, ...)} over the last axis (the sign lives in signedSin). */
    private NDArray swapPairs(NDArray x) {
        ai.djl.ndarray.types.Shape s = x.getShape();
        int last = s.dimension() - 1;
        try (NDArray pairs = x.reshape(s.slice(0, last).add(dim / 2, 2));
                NDArray flipped = pairs.flip(last + 1)) {
            return flipped.reshape(s);
        }
    }

    public int dim() {
        return dim;
    }
}
