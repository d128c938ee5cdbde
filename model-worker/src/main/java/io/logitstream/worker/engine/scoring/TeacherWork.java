package io.logitstream.worker.engine.scoring;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.logitstream.worker.engine.batch.BatchSequence;
import io.logitstream.worker.engine.batch.BatchWork;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * A teacher's logits as one prefill-only sequence of the running batch: every position's top-k
 * (ids and raw logits, best first) or the whole vocabulary as little-endian float16, gathered
 * chunk by chunk so a long input never holds [T, vocab] fp32 at once.
 */
public final class TeacherWork implements BatchWork {
    private final BatchSequence sequence;
    private final int topK;
    private final boolean fullVocab;
    private final int[][] ids;
    private final float[][] logits;
    private final ByteArrayOutputStream full = new ByteArrayOutputStream();

    /** @param topK alternatives per position, or 0 with {@code fullVocab} */
    public TeacherWork(int[] inputIds, int topK, boolean fullVocab) {
        this.sequence = new BatchSequence(inputIds, 0, inputIds.length);
        this.topK = topK;
        this.fullVocab = fullVocab;
        this.ids = new int[inputIds.length][];
        this.logits = new float[inputIds.length][];
    }

    @Override
    public List<BatchSequence> sequences() {
        return List.of(sequence);
    }

    @Override
    public int maxLength() {
        return sequence.length();
    }

    @Override
    public void onLogits(BatchSequence s, int firstPosition, NDArray rows) {
        if (fullVocab) {
            try (NDArray half = rows.toType(DataType.FLOAT16, false)) {
                full.writeBytes(half.toByteArray());
            }
            return;
        }
        int n = (int) rows.getShape().get(0);
        int k = (int) Math.min(topK, rows.getShape().get(1));
        NDList top = rows.topK(k, -1, true, true);
        float[] values = top.get(0).toFloatArray();
        long[] idx = top.get(1).toLongArray();
        top.close();
        for (int r = 0; r < n; r++) {
            int[] ti = new int[k];
            float[] tl = new float[k];
            for (int q = 0; q < k; q++) {
                ti[q] = (int) idx[r * k + q];
                tl[q] = values[r * k + q];
            }
            ids[firstPosition + r] = ti;
            logits[firstPosition + r] = tl;
        }
    }

    @Override
    public boolean isDone() {
        return sequence.fed() == sequence.length();
    }

    public TeacherLogits.Top top() {
        return new TeacherLogits.Top(ids, logits);
    }

    public byte[] fullFloat16() {
        return full.toByteArray();
    }
}
