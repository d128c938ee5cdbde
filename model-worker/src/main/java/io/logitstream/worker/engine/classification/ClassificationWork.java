package io.logitstream.worker.engine.classification;

import ai.djl.ndarray.NDArray;
import io.logitstream.worker.engine.batch.BatchSequence;
import io.logitstream.worker.engine.batch.BatchWork;
import java.util.List;

/**
 * A sequence classification as one prefill-only sequence of the running batch that reads one
 * row: the label logits at the pooled position ({@link LastTokenPooling}). Earlier positions may
 * come from the prefix cache; the pooled one is always computed.
 */
public final class ClassificationWork implements BatchWork {
    private final BatchSequence sequence;
    private final int pooledIndex;
    private float[] logits;

    public ClassificationWork(int[] inputIds, int pooledIndex) {
        if (pooledIndex < 0 || pooledIndex >= inputIds.length) {
            throw new IllegalArgumentException("pooled index " + pooledIndex + " outside " + inputIds.length + " tokens");
        }
        this.sequence = new BatchSequence(inputIds, pooledIndex, pooledIndex + 1);
        this.pooledIndex = pooledIndex;
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
        if (firstPosition != pooledIndex || rows.getShape().get(0) != 1) {
            throw new IllegalStateException("expected the row of position " + pooledIndex + ", got "
                    + rows.getShape().get(0) + " from " + firstPosition);
        }
        logits = rows.toFloatArray();
    }

    @Override
    public boolean isDone() {
        return sequence.fed() == sequence.length();
    }

    public int pooledIndex() {
        return pooledIndex;
    }

    /** The label logits at the pooled position, once {@link #isDone()}. */
    public float[] logits() {
        if (logits == null) {
            throw new IllegalStateException("the pooled row has not been computed");
        }
        return logits.clone();
    }
}
