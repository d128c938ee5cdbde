package io.logitstream.worker.engine.internlm2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.ModelLoadException;
import io.logitstream.worker.engine.layers.Linear;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.util.Arrays;

/**
 * InternLM2's packed attention projection {@code attention.wqkv} [(heads + 2 kvHeads) * headDim,
 * hidden]: its rows are grouped per key/value head. Group {@code g} holds {@code heads / kvHeads}
 * query heads, then key head {@code g}, then value head {@code g}, {@code headDim} rows each
 * ({@code modeling_internlm2.py}: {@code rearrange(qkv, "b q (h gs d) -> b q h gs d", gs=2 +
 * groups)}, queries {@code [..., :groups, :]}, key {@code [..., -2, :]}, value
 * {@code [..., -1, :]}; query head {@code g * groups + j} uses key/value head {@code g}, as in
 * Llama's {@code repeat_kv}).
 *
 * <p>{@link #unpack} reorders the rows once, at load, into the Llama-style fused order (all
 * queries, all keys, all values), so the shared attention runs unchanged.
 */
record WqkvPacking(int heads, int kvHeads, int headDim) {

    /** Query heads per key/value head ({@code num_key_value_groups}). */
    int groups() {
        return heads / kvHeads;
    }

    /** Rows of {@code wqkv}. */
    long rows() {
        return (long) (heads + 2 * kvHeads) * headDim;
    }

    /**
     * For each row of the fused [q; k; v] projection, the {@code wqkv} row it comes from: a
     * permutation of {@code 0 .. rows() - 1}.
     */
    long[] llamaOrder() {
        int g = groups();
        int stride = (g + 2) * headDim;
        long[] order = new long[Math.toIntExact(rows())];
        int next = 0;
        for (int kv = 0; kv < kvHeads; kv++) {
            for (int j = 0; j < g; j++) {
                next = copyHead(order, next, kv * stride + j * headDim);
            }
        }
        for (int kv = 0; kv < kvHeads; kv++) {
            next = copyHead(order, next, kv * stride + g * headDim);
        }
        for (int kv = 0; kv < kvHeads; kv++) {
            next = copyHead(order, next, kv * stride + (g + 1) * headDim);
        }
        return order;
    }

    private int copyHead(long[] order, int next, int firstRow) {
        for (int r = 0; r < headDim; r++) {
            order[next++] = firstRow + r;
        }
        return next;
    }

    /**
     * Loads {@code <name>.weight} (and {@code <name>.bias} when {@code bias}) and returns it as
     * the fused [q; k; v] projection in {@code manager}; the packed copy stays in {@code tmp}.
     *
     * @throws ModelLoadException when the tensor's shape does not match the config's packing
     */
    Linear unpack(Checkpoint w, String name, boolean bias, long hidden, NDManager tmp, NDManager manager) {
        requireShape(w, name + ".weight", rows(), hidden);
        try (NDArray order = tmp.create(llamaOrder())) {
            NDArray weight = reorder(Linear.loadDense(w, name, tmp, rows(), hidden), order, manager);
            NDArray b = null;
            if (bias) {
                requireShape(w, name + ".bias", rows());
                b = reorder(w.load(name + ".bias", tmp), order, manager);
            }
            return Linear.of(w, name, weight, b, manager);
        }
    }

    private static NDArray reorder(NDArray packed, NDArray order, NDManager manager) {
        NDArray out = Torch.rows(packed, order);
        out.attach(manager);
        return out;
    }

    private void requireShape(Checkpoint w, String tensor, long... expected) {
        long[] actual = w.info(tensor).shape();
        if (!Arrays.equals(actual, expected)) {
            throw new ModelLoadException("tensor '" + tensor + "' has shape " + Arrays.toString(actual)
                    + ", expected " + Arrays.toString(expected) + ": InternLM2 packs (num_attention_heads " + heads
                    + " + 2 x num_key_value_heads " + kvHeads + ") x head_dim " + headDim
                    + " (hidden_size / num_attention_heads) rows, per key/value group");
        }
    }
}
