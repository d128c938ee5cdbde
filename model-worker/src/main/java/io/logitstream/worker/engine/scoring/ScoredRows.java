package io.logitstream.worker.engine.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.Arrays;

/**
 * Per scored position: the log-probability of the actual next token, the argmax, the top-k
 * alternatives and the log-probabilities of selected tokens ({@link SelectedTokens}), extracted
 * from logits rows in one pass.
 *
 * <p>Rows are post-processed in chunks of about {@link #CHUNK_BYTES}: the log_softmax output then
 * reuses allocator memory instead of a fresh multi-MB block, and gather/top-k/argmax read it while
 * it is in cache (measured 30% faster than one pass on 2 cores, and far faster than row by row).
 */
public record ScoredRows(float[] logprobs, int[] argmax, int[][] topIds, float[][] topLogprobs, float[][] selected) {
    static final long CHUNK_BYTES = 4L << 20;

    public static ScoredRows empty() {
        return new ScoredRows(new float[0], new int[0], new int[0][], new float[0][], new float[0][]);
    }

    public int size() {
        return logprobs.length;
    }

    /**
     * @param rows fp32 logits [n, vocab] (a view is fine)
     * @param targets the token each row predicts
     * @param topK alternatives per row (0 = none)
     */
    public static ScoredRows of(NDArray rows, int[] targets, int topK) {
        return of(rows, targets, topK, new int[0]);
    }

    /** As {@link #of(NDArray, int[], int)}, plus the log-probabilities of {@code selectedIds} at every row. */
    public static ScoredRows of(NDArray rows, int[] targets, int topK, int[] selectedIds) {
        int n = targets.length;
        float[][] selected = new float[n][];
        long vocab = rows.getShape().get(1);
        int k = (int) Math.min(topK, vocab);
        float[] lp = new float[n];
        long[] am = new long[n];
        float[] topVals = new float[n * k];
        long[] topIdx = new long[n * k];
        int chunkRows = (int) Math.max(1, CHUNK_BYTES / (vocab * 4));
        NDManager parent = rows.getManager();
        for (int r0 = 0; r0 < n; r0 += chunkRows) {
            int r1 = Math.min(n, r0 + chunkRows);
            try (NDManager scope = parent.newSubManager()) {
                NDArray chunk = Torch.view(rows, new long[] {r0, 0}, new long[] {r1, vocab}, scope);
                NDArray logProbs = Torch.logSoftmax(chunk, -1);
                long[] t = new long[r1 - r0];
                for (int i = r0; i < r1; i++) {
                    t[i - r0] = targets[i];
                }
                NDArray index = scope.create(t, new Shape(r1 - r0, 1));
                System.arraycopy(logProbs.gather(index, 1).toFloatArray(), 0, lp, r0, r1 - r0);
                System.arraycopy(logProbs.argMax(-1).toLongArray(), 0, am, r0, r1 - r0);
                System.arraycopy(SelectedTokens.gather(logProbs, selectedIds), 0, selected, r0, r1 - r0);
                if (k > 0) {
                    NDList top = logProbs.topK(k, -1, true, true);
                    System.arraycopy(top.get(0).toFloatArray(), 0, topVals, r0 * k, (r1 - r0) * k);
                    System.arraycopy(top.get(1).toLongArray(), 0, topIdx, r0 * k, (r1 - r0) * k);
                }
            }
        }
        int[] argmax = new int[n];
        int[][] ti = new int[n][k];
        float[][] tl = new float[n][k];
        for (int r = 0; r < n; r++) {
            argmax[r] = (int) am[r];
            for (int q = 0; q < k; q++) {
                ti[r][q] = (int) topIdx[r * k + q];
                tl[r][q] = topVals[r * k + q];
            }
        }
        return new ScoredRows(lp, argmax, ti, tl, selected);
    }

    /** These rows followed by {@code next}'s (positions scored in a later chunk). */
    public ScoredRows concat(ScoredRows next) {
        if (size() == 0) {
            return next;
        }
        int n = size() + next.size();
        float[] lp = Arrays.copyOf(logprobs, n);
        int[] am = Arrays.copyOf(argmax, n);
        int[][] ti = Arrays.copyOf(topIds, n);
        float[][] tl = Arrays.copyOf(topLogprobs, n);
        float[][] sel = Arrays.copyOf(selected, n);
        System.arraycopy(next.selected, 0, sel, size(), next.size());
        System.arraycopy(next.logprobs, 0, lp, size(), next.size());
        System.arraycopy(next.argmax, 0, am, size(), next.size());
        System.arraycopy(next.topIds, 0, ti, size(), next.size());
        System.arraycopy(next.topLogprobs, 0, tl, size(), next.size());
        return new ScoredRows(lp, am, ti, tl, sel);
    }
}
