package io.logitstream.worker.engine.batch;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * What the running batch computes for one request: one or more sequences (several for CHOICE
 * candidates or beams) that are admitted, stepped and retired together, and what to do with
 * their logits. Implementations live with the tasks; the batcher knows nothing of them.
 *
 * <p>Called on the serving thread only.
 */
public interface BatchWork {

    /** The sequences; fixed at admission (beams reorder their contents, not the list). */
    List<BatchSequence> sequences();

    /** The longest any sequence can become (prompt + new tokens): what the KV budget reserves. */
    int maxLength();

    /**
     * Logits of positions {@code [firstPosition, firstPosition + rows)} of one sequence, fp32
     * [rows, vocab]. Valid only during the call.
     */
    void onLogits(BatchSequence sequence, int firstPosition, NDArray rows);

    /** After every step this work took part in (beams reorder their slots here). */
    default void afterStep(SlotKvCache cache) {
    }

    /**
     * Whether its sequences may share their common leading tokens: the first sequence computes
     * them, the others copy them and compute only their own tails (CHOICE candidates after one
     * context). Work that forks its sequences itself (beams) says no.
     */
    default boolean sharesPrefixes() {
        return false;
    }

    /** The sequences whose keys and values are worth keeping for later requests once this work is done. */
    default List<BatchSequence> cacheable() {
        return sequences();
    }

    /** Whether the work is complete (its output can be built). */
    boolean isDone();
}
