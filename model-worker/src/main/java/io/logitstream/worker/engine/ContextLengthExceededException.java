package io.logitstream.worker.engine;

/**
 * A request needs more positions than the model has (prompt, or prompt plus generated tokens,
 * longer than {@code n_positions} / {@code max_position_embeddings}). The worker answers such a
 * request with an error result instead of failing.
 */
public class ContextLengthExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int requested;
    private final int maximum;

    public ContextLengthExceededException(int requested, int maximum) {
        super("input needs " + requested + " positions but the model's context length is " + maximum);
        this.requested = requested;
        this.maximum = maximum;
    }

    public int requested() {
        return requested;
    }

    public int maximum() {
        return maximum;
    }
}
