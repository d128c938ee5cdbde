package io.logitstream.worker.engine.generation;

/**
 * A finished generation.
 *
 * @param text the decode of {@code newIds} without special tokens (equals the concatenated deltas
 *     unless the tokenizer's clean_up_tokenization_spaces rewrites spaces)
 * @param prefillNanos time of the prompt forward (time to first token)
 * @param decodeNanos time of the following steps
 */
public record GenerationResult(
        int[] promptIds,
        int[] newIds,
        String text,
        FinishReason finishReason,
        float[] logprobs,
        int[][] topIds,
        float[][] topLogprobs,
        long prefillNanos,
        long decodeNanos,
        float[][] selectedLogprobs) {

    /** Decode speed: tokens after the first per second of decode time. */
    public double decodeTokensPerSecond() {
        return newIds.length <= 1 || decodeNanos == 0 ? Double.NaN : (newIds.length - 1) * 1e9 / decodeNanos;
    }
}
