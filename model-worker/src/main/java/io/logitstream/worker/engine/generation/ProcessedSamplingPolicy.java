package io.logitstream.worker.engine.generation;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses tokens after transformers-style logits processing (see {@link SamplingSettings} for the
 * processors and their order).
 * Works on the Java copy of the last position's logits: one bulk copy per step, then a few passes
 * over the vocabulary, which is cheap next to a forward pass. Stateful (the random stream), so
 * one instance serves one generation.
 */
final class ProcessedSamplingPolicy implements SamplingPolicy {

    private final SamplingSettings settings;
    private final SplittableRandom random;

    ProcessedSamplingPolicy(SamplingSettings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    @Override
    public int[] choose(NDArray logits, int[][] history) {
        int batch = history.length;
        int vocab = (int) (logits.size() / batch);
        float[] all = logits.toFloatArray();
        int[] out = new int[batch];
        for (int b = 0; b < batch; b++) {
            out[b] = chooseRow(Arrays.copyOfRange(all, b * vocab, (b + 1) * vocab), history[b]);
        }
        return out;
    }

    /** Processes one row of logits (in place) and chooses from it. */
    int chooseRow(float[] row, int[] history) {
        process(row, history);
        return settings.doSample() ? sample(row) : argmax(row);
    }

    /** The processors that run before the sampling warpers, in transformers' order. */
    void process(float[] row, int[] history) {
        addLogitBias(row);
        penalizeRepetitions(row, history);
        guardInvalidScores(row);
    }

    private void addLogitBias(float[] row) {
        settings.logitBias().forEach((id, bias) -> {
            if (id >= row.length) {
                throw new IllegalArgumentException("logit_bias token id " + id + " is outside the vocabulary (size "
                        + row.length + ")");
            }
            row[id] += bias;
        });
    }

    /** ChatGLM's InvalidScoreLogitsProcessor, per row (see {@link SamplingSettings#invalidScoreGuard()}). */
    private void guardInvalidScores(float[] row) {
        if (!settings.invalidScoreGuard()) {
            return;
        }
        for (float v : row) {
            if (!Float.isFinite(v)) {
                Arrays.fill(row, 0f);
                if (SamplingSettings.GUARD_TOKEN_ID < row.length) {
                    row[SamplingSettings.GUARD_TOKEN_ID] = SamplingSettings.GUARD_SCORE;
                }
                return;
            }
        }
    }

    private void penalizeRepetitions(float[] row, int[] history) {
        double penalty = settings.repetitionPenalty();
        if (penalty == 1.0) {
            return;
        }
        boolean[] seen = new boolean[row.length];
        for (int id : history) {
            if (id >= 0 && id < row.length && !seen[id]) {
                seen[id] = true;
                row[id] = (float) (row[id] < 0 ? row[id] * penalty : row[id] / penalty);
            }
        }
    }

    private int sample(float[] row) {
        int n = row.length;
        double temperature = settings.temperature();
        // Candidates sorted by logit, best first; top-k cuts the list, top-p and min-p cut it further.
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(row[b], row[a]));
        int keep = settings.topK() > 0 ? Math.min(settings.topK(), n) : n;
        double max = row[order[0]] / temperature;
        double[] weights = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            weights[i] = Math.exp(row[order[i]] / temperature - max);
            total += weights[i];
        }
        if (settings.topP() < 1.0) {
            // Keep the smallest prefix whose probability reaches top_p (at least one token).
            double cumulative = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                cumulative += weights[i] / total;
                if (cumulative >= settings.topP()) {
                    cut = i + 1;
                    break;
                }
            }
            keep = cut;
        }
        if (settings.minP() > 0) {
            // weights are probabilities relative to the top token's (weights[0] = 1), and descending:
            // min-p keeps the prefix at or above min_p (at least the top token).
            int cut = 1;
            while (cut < keep && weights[cut] >= settings.minP()) {
                cut++;
            }
            keep = cut;
        }
        total = 0;
        for (int i = 0; i < keep; i++) {
            total += weights[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= weights[i];
            if (u <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }
}
