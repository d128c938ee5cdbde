package io.logitstream.worker.engine.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;

/**
 * A teacher's raw logits for distillation ({@code outputs.logits} of transformers): per position
 * either the k largest (ids and logits, best first) or the whole vocabulary as float16.
 */
public final class TeacherLogits {

    /** Per position t (predicting token t+1): the top-k token ids and their logits. */
    public record Top(int[][] ids, float[][] logits) {
    }

    private final CausalLanguageModel model;

    public TeacherLogits(CausalLanguageModel model) {
        this.model = model;
    }

    public Top top(int[] inputIds, int k) {
        int kk = Math.min(k, model.vocabSize());
        return run(inputIds, logits -> {
            NDList top = logits.topK(kk, -1, true, true);
            float[] values = top.get(0).toFloatArray();
            long[] idx = top.get(1).toLongArray();
            int positions = inputIds.length;
            int[][] ids = new int[positions][kk];
            float[][] vals = new float[positions][kk];
            for (int t = 0; t < positions; t++) {
                for (int q = 0; q < kk; q++) {
                    ids[t][q] = (int) idx[t * kk + q];
                    vals[t][q] = values[t * kk + q];
                }
            }
            return new Top(ids, vals);
        });
    }

    /** All logits, positions x vocab, as little-endian IEEE float16, row-major. */
    public byte[] fullFloat16(int[] inputIds) {
        return run(inputIds, logits -> logits.toType(DataType.FLOAT16, false).toByteArray());
    }

    private <T> T run(int[] inputIds, java.util.function.Function<NDArray, T> extract) {
        if (inputIds.length > model.contextLength()) {
            throw new ContextLengthExceededException(inputIds.length, model.contextLength());
        }
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(ForwardInput.builder(new int[][] {inputIds}).build(), scope)) {
            return extract.apply(out.logits().reshape(inputIds.length, model.vocabSize()));
        }
    }
}
