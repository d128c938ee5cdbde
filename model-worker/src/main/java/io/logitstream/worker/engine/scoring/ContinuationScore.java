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

    /** The score of continuation {@code c} from the rows that scored its tokens. */
    public static ContinuationScore of(int[] c, ScoredRows r) {
        double sum = 0;
        boolean greedy = true;
        for (int j = 0; j < c.length; j++) {
            sum += r.logprobs()[j];
            greedy &= r.argmax()[j] == c[j];
        }
        return new ContinuationScore(c.clone(), r.logprobs(), r.topIds(), r.topLogprobs(), sum, greedy);
    }

    /** sumLogprob / number of tokens: the length-normalised score. */
    public double meanLogprob() {
        return continuationIds.length == 0 ? Double.NaN : sumLogprob / continuationIds.length;
    }
}
