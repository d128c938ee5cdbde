package io.logitstream.worker.engine.generation;

/**
 * When beam search stops, as transformers' {@code early_stopping} (checked against its
 * {@code _check_early_stop_heuristic} and {@code _beam_search_has_unfinished_sequences}). In every
 * mode the search also ends when max_new_tokens is reached.
 */
public enum EarlyStopping {
    /**
     * {@code early_stopping=False} (the default): once num_beams hypotheses are finished, stop when
     * the best running beam, scored as if it ended now (sum / current_length^length_penalty), can no
     * longer beat the worst finished one. A heuristic: with length_penalty > 0 a running beam could
     * still overtake later.
     */
    HEURISTIC,
    /** {@code early_stopping=True}: stop as soon as num_beams hypotheses are finished. */
    WHEN_FULL,
    /**
     * {@code early_stopping="never"}: like {@link #HEURISTIC}, but with length_penalty > 0 a running
     * beam is credited the best score it could reach (at max_new_tokens), so the search only stops
     * when no running beam can win (canonical beam search with length_penalty 0).
     */
    NEVER;

    /** The request's boolean flag (null: transformers' default, False). */
    public static EarlyStopping fromFlag(Boolean earlyStopping) {
        return Boolean.TRUE.equals(earlyStopping) ? WHEN_FULL : HEURISTIC;
    }
}
