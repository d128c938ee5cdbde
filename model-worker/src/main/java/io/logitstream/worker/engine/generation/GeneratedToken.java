package io.logitstream.worker.engine.generation;

/**
 * One generated token as it is produced (the payload of a live token chunk).
 *
 * @param index 0-based position among the new tokens
 * @param textDelta text that became stable with this token: never half a character; may be
 *     empty (the token completed no character yet); on the last token it includes anything held back
 * @param logprob log-probability of the token under the model's (unprocessed) distribution
 * @param topIds top-k alternatives, best first (empty when k = 0)
 * @param last whether this is the final token
 * @param finishReason set on the last token only
 */
public record GeneratedToken(
        int index,
        int tokenId,
        String textDelta,
        float logprob,
        int[] topIds,
        float[] topLogprobs,
        boolean last,
        FinishReason finishReason) {
}
