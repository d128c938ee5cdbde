package io.logitstream.worker.engine.scoring;

/**
 * Log-probabilities of a continuation given a prompt (lm-eval's {@code loglikelihood}): one entry
 * per continuation token.
 *
 * @param isGreedy whether every continuation token is the argmax at its step
 */
public record ContinuationScore(
        int[] continuationIds,
        float[] logprobs,
        int[][] topIds,
        float[][] topLogprobs,
        double sumLogprob,
        boolean isGreedy) {

    /** sumLogprob / number of tokens: the length-normalised score. */
    public double meanLogprob() {
        return continuationIds.length == 0 ? Double.NaN : sumLogprob / continuationIds.length;
    }
}
