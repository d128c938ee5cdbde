package io.logitstream.worker.engine.generation;

import ai.djl.ndarray.NDArray;

/**
 * Chooses the next token of each sequence from the last position's logits. Greedy now;
 * temperature / top-k / top-p / repetition penalty / seeded sampling plug in here without
 * touching the decode loop.
 */
public interface SamplingPolicy {

    /**
     * @param logits fp32 [B, vocab] of the last position (do not close; in-place edits are allowed)
     * @param history per sequence, prompt + tokens generated so far (for repetition penalties)
     * @return the chosen token id per sequence
     */
    int[] choose(NDArray logits, int[][] history);
}
