package io.logitstream.worker.engine.classification;

/**
 * Which position a sequence-classification head reads, exactly as transformers 5 picks it
 * ({@code GenericForSequenceClassification}, {@code GPT2ForSequenceClassification}):
 * {@code argmax(arange(T) * (input_ids != pad_token_id))}, i.e. the rightmost token that is not the
 * pad id, which handles left and right padding alike. Consequences kept on purpose:
 * <ul>
 *   <li>a real token equal to the pad id is skipped too (Qwen2 reward models pad with
 *       {@code <|endoftext|>}: an input ending in it is pooled at the token before);
 *   <li>an input made only of pad ids is pooled at position 0;
 *   <li>without a pad id, the last token is pooled (transformers then refuses batches of more
 *       than one row; here every request is its own sequence, so that limit never applies).
 * </ul>
 */
public final class LastTokenPooling {
    private LastTokenPooling() {
    }

    /** The pooled position of one (unpadded or padded) row of input ids. */
    public static int index(int[] inputIds, Integer padTokenId) {
        if (inputIds.length == 0) {
            throw new IllegalArgumentException("no input ids to pool");
        }
        if (padTokenId == null) {
            return inputIds.length - 1;
        }
        for (int i = inputIds.length - 1; i > 0; i--) {
            if (inputIds[i] != padTokenId) {
                return i;
            }
        }
        return 0;
    }
}
