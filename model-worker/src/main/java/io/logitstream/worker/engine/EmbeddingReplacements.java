package io.logitstream.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.batch.StepLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of one forward's flat input whose token embeddings are replaced (image features), from
 * the {@link EmbeddingOverride}s of its sequences, and the swap itself.
 */
final class EmbeddingReplacements {
    private final List<Integer> flatIndex = new ArrayList<>();
    private final List<float[]> rows = new ArrayList<>();

    private EmbeddingReplacements() {
    }

    /** For a padded forward of {@code t} new tokens per row after {@code past} cached ones. */
    static EmbeddingReplacements of(ForwardInput in, int past, int t) {
        EmbeddingReplacements r = new EmbeddingReplacements();
        EmbeddingOverride[] all = in.embeddingOverrides();
        for (int b = 0; all != null && b < all.length; b++) {
            if (all[b] != null) {
                all[b].collect(b * t, past, t, r.flatIndex, r.rows);
            }
        }
        return r;
    }

    /** For a continuous-batching step: each entry's chunk, at its offset in the flat row. */
    static EmbeddingReplacements of(StepLayout layout) {
        EmbeddingReplacements r = new EmbeddingReplacements();
        int offset = 0;
        for (StepLayout.Entry e : layout.entries()) {
            if (e.override() != null) {
                e.override().collect(offset, e.past(), e.tokens().length, r.flatIndex, r.rows);
            }
            offset += e.tokens().length;
        }
        return r;
    }

    /** {@code embedded} with the replaced rows swapped in; itself when nothing is replaced. */
    NDArray apply(NDArray embedded, NDManager scope) {
        if (flatIndex.isEmpty()) {
            return embedded;
        }
        int[] index = flatIndex.stream().mapToInt(Integer::intValue).toArray();
        return EmbeddingOverride.apply(embedded, index, rows.toArray(new float[0][]), scope);
    }
}
