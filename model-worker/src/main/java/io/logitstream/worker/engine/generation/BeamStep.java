package io.logitstream.worker.engine.generation;

/**
 * What the caller does after a beam search step: unless {@code done}, the next step runs
 * {@code parents.length} beams, beam i being live beam {@code parents[i]} (of the step just taken)
 * extended with {@code tokens[i]}. Several next beams may share a parent (copy its KV cache); a live
 * beam no next beam names is dropped.
 */
public record BeamStep(int[] parents, int[] tokens, boolean done) {

    static final BeamStep DONE = new BeamStep(new int[0], new int[0], true);
}
