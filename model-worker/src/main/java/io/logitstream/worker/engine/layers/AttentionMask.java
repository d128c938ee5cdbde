package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Builds the additive attention mask of one forward pass, once, for all layers: 0 where a query
 * may attend a key, the most negative fp32 where it may not (transformers' convention, which
 * keeps fully masked padding rows finite instead of NaN).
 *
 * <p>A key is visible when it is not later than the query (causal), not padding
 * ({@code attention_mask == 1}), and, with a sliding window, not older than the window. The
 * mask is computed on the tensor side from two aranges, so a long prompt costs no Java loop.
 */
public final class AttentionMask {
    private AttentionMask() {
    }

    /**
     * @param padding {@code attention_mask} rows over past + current tokens (B x S), or null for no padding
     * @param past tokens already in the KV cache
     * @param length new tokens in this forward (T)
     * @param slidingWindow attention window (a query sees itself and the previous window - 1
     *     tokens, transformers' {@code kv_idx > q_idx - sliding_window}), or null
     * @return a [1 or B, 1, T, S] additive mask in {@code scope}, or null when nothing is masked
     */
    public static NDArray build(NDManager scope, Scalars c, int[][] padding, int past, int length,
            Integer slidingWindow) {
        return build(scope, c, padding, past, length, slidingWindow, DataType.FLOAT32);
    }

    /**
     * The same mask in the compute type of the attention scores ({@code type}'s most negative
     * value marks masked keys, as transformers' {@code torch.finfo(dtype).min}).
     */
    public static NDArray build(NDManager scope, Scalars c, int[][] padding, int past, int length,
            Integer slidingWindow, DataType type) {
        int total = past + length;
        boolean hasPadding = false;
        if (padding != null) {
            for (int[] row : padding) {
                for (int v : row) {
                    if (v == 0) {
                        hasPadding = true;
                        break;
                    }
                }
            }
        }
        boolean windowBites = slidingWindow != null && total > slidingWindow;
        if (!hasPadding && length == 1 && !windowBites) {
            return null;
        }
        try (NDManager tmp = scope.newSubManager()) {
            NDArray q = tmp.arange(past, total, 1, DataType.INT64).reshape(length, 1);
            NDArray k = tmp.arange(0, total, 1, DataType.INT64).reshape(1, total);
            NDArray allowed = k.lte(q);
            if (windowBites) {
                NDArray lower = q.sub(slidingWindow);
                allowed = allowed.logicalAnd(k.gt(lower));
            }
            allowed = allowed.reshape(1, 1, length, total);
            if (hasPadding) {
                int batch = padding.length;
                int[] flat = new int[batch * total];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(padding[b], 0, flat, b * total, total);
                }
                NDArray pad = tmp.create(flat, new Shape(batch, 1, 1, total)).gt(0);
                allowed = allowed.logicalAnd(pad);
            }
            NDArray mask = Torch.where(allowed, c.of(0f), c.maskValue(type));
            mask = Torch.cast(mask, type);
            mask.attach(scope);
            return mask;
        }
    }

    /**
     * transformers' position ids for a padded batch: the running count of real tokens minus one,
     * and 1 on padding (as {@code generate()} computes them); without a mask, past..past+T-1.
     */
    public static long[][] positionIds(int[][] padding, int batch, int past, int length) {
        long[][] pos = new long[batch][length];
        for (int b = 0; b < batch; b++) {
            if (padding == null) {
                for (int t = 0; t < length; t++) {
                    pos[b][t] = past + t;
                }
                continue;
            }
            long seen = 0;
            for (int s = 0; s < past + length; s++) {
                seen += padding[b][s] != 0 ? 1 : 0;
                if (s >= past) {
                    pos[b][s - past] = padding[b][s] != 0 ? seen - 1 : 1;
                }
            }
        }
        return pos;
    }
}
