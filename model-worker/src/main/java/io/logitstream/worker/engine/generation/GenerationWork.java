package io.logitstream.worker.engine.generation;

import ai.djl.ndarray.NDArray;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.batch.BatchSequence;
import io.logitstream.worker.engine.batch.BatchWork;
import java.util.List;

/**
 * A generation as one sequence of the running batch: the prompt is its prefill (logits of the
 * last prompt position only), then one token per step until the {@link GenerationStream} says it
 * is finished.
 */
public final class GenerationWork implements BatchWork {
    private final GenerationStream stream;
    private final BatchSequence sequence;
    private final int maxLength;
    private final long createdNanos = System.nanoTime();
    private long firstTokenNanos;

    public GenerationWork(LoadedModel model, int[] promptIds, GenerationOptions options, TokenListener listener) {
        this.stream = new GenerationStream(model, promptIds, options, listener);
        this.sequence = new BatchSequence(promptIds, promptIds.length - 1, promptIds.length);
        // the last new token is never fed, so the cache holds at most prompt + max new - 1 positions
        this.maxLength = promptIds.length + stream.maxNewTokens() - 1;
    }

    @Override
    public List<BatchSequence> sequences() {
        return List.of(sequence);
    }

    @Override
    public int maxLength() {
        return Math.max(maxLength, sequence.length());
    }

    @Override
    public void onLogits(BatchSequence s, int firstPosition, NDArray rows) {
        boolean done = stream.accept(rows);
        if (firstTokenNanos == 0) {
            firstTokenNanos = System.nanoTime();
        }
        if (!done) {
            sequence.append(stream.lastToken());
        }
    }

    @Override
    public boolean isDone() {
        return stream.isFinished();
    }

    /** The generation; prefill time counts from admission to the first token. */
    public GenerationResult result() {
        long end = System.nanoTime();
        long prefill = firstTokenNanos == 0 ? 0 : firstTokenNanos - createdNanos;
        return stream.result(prefill, firstTokenNanos == 0 ? 0 : end - firstTokenNanos);
    }
}
