package io.logitstream.worker.engine.generation;

import ai.djl.ndarray.NDArray;

/** The argmax token (ties go to the lowest id, as torch.argmax and transformers' greedy search). */
public final class GreedyPolicy implements SamplingPolicy {
    public static final GreedyPolicy INSTANCE = new GreedyPolicy();

    private GreedyPolicy() {
    }

    @Override
    public int[] choose(NDArray logits, int[][] history) {
        try (NDArray am = logits.argMax(-1)) {
            long[] ids = am.toLongArray();
            int[] out = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                out[i] = (int) ids[i];
            }
            return out;
        }
    }
}
