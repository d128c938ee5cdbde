package io.logitstream.worker.engine.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The log-probabilities of tokens a request names (for example the letters A..D), whatever their
 * rank: SGLang's {@code token_ids_logprob}, the "probability of letters" recipe without a second
 * pass. One gather per block of rows.
 */
public final class SelectedTokens {
    private SelectedTokens() {
    }

    /**
     * @param logProbs log-probabilities [n, vocab]
     * @param ids the selected token ids (may be empty)
     * @return [n][ids.length]: row r's log-probability of each selected token, in the order given
     */
    public static float[][] gather(NDArray logProbs, int[] ids) {
        int n = (int) logProbs.getShape().get(0);
        float[][] out = new float[n][];
        if (ids.length == 0) {
            for (int r = 0; r < n; r++) {
                out[r] = new float[0];
            }
            return out;
        }
        long[] index = new long[n * ids.length];
        for (int r = 0; r < n; r++) {
            for (int q = 0; q < ids.length; q++) {
                index[r * ids.length + q] = ids[q];
            }
        }
        try (NDManager scope = logProbs.getManager().newSubManager()) {
            float[] flat = logProbs.gather(scope.create(index, new Shape(n, ids.length)), 1).toFloatArray();
            for (int r = 0; r < n; r++) {
                out[r] = java.util.Arrays.copyOfRange(flat, r * ids.length, (r + 1) * ids.length);
            }
        }
        return out;
    }
}
