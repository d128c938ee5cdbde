package io.logitstream.worker.engine.scoring;

/**
 * Per-token log-probabilities of one sequence under the model (vLLM's {@code prompt_logprobs},
 * transformers' {@code forward(labels=input_ids)}).
 *
 * <p>Position 0 has no prediction: its logprob is NaN, its alternatives are empty and its greedy
 * id is -1. For t >= 1, {@code tokenLogprobs[t] = log_softmax(logits[t-1])[ids[t]]}, the
 * alternatives are the top-k of that distribution (ids and logprobs, best first), and
 * {@code greedyIds[t]} is its argmax.
 *
 * @param sumLogprob sum over positions 1..T-1
 * @param meanNll -sumLogprob / (T-1): transformers' loss (NaN for a single token)
 * @param perplexity exp(meanNll)
 */
public record SequenceScore(
        int[] tokenIds,
        float[] tokenLogprobs,
        int[][] topIds,
        float[][] topLogprobs,
        int[] greedyIds,
        double sumLogprob,
        double meanNll,
        double perplexity) {

    public int length() {
        return tokenIds.length;
    }
}
