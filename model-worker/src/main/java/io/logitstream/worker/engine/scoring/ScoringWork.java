package io.logitstream.worker.engine.scoring;

import ai.djl.ndarray.NDArray;
import io.logitstream.worker.engine.batch.BatchSequence;
import io.logitstream.worker.engine.batch.BatchWork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scoring as prefill-only sequences of the running batch: sequence i is scored from position
 * {@code starts[i]} on (each token predicted by the row before it), possibly over several prefill
 * chunks. Serves SCORE (one sequence, from position 1 or from the continuation) and CHOICE (one
 * sequence per candidate, prompt + candidate).
 */
public final class ScoringWork implements BatchWork {
    private final List<int[]> ids;
    private final int[] starts;
    private final int topK;
    private final int[] selectedIds;
    private final List<BatchSequence> sequences = new ArrayList<>();
    private final ScoredRows[] rows;

    public ScoringWork(List<int[]> ids, int[] starts, int topK) {
        this(ids, starts, topK, new int[0]);
    }

    /** @param selectedIds tokens whose log-probabilities are wanted at every scored position */
    public ScoringWork(List<int[]> ids, int[] starts, int topK, int[] selectedIds) {
        this.selectedIds = selectedIds.clone();
        this.ids = List.copyOf(ids);
        this.starts = starts.clone();
        this.topK = topK;
        this.rows = new ScoredRows[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            int[] s = ids.get(i);
            if (starts[i] < 1 || starts[i] > s.length) {
                throw new IllegalArgumentException("scoring starts at " + starts[i] + " in a sequence of " + s.length);
            }
            sequences.add(new BatchSequence(s, starts[i] - 1, s.length - 1));
            rows[i] = ScoredRows.empty();
        }
    }

    @Override
    public List<BatchSequence> sequences() {
        return sequences;
    }

    /** CHOICE candidates share their context: it is computed once, for the first candidate. */
    @Override
    public boolean sharesPrefixes() {
        return true;
    }

    @Override
    public int maxLength() {
        return ids.stream().mapToInt(s -> s.length).max().orElse(0);
    }

    @Override
    public void onLogits(BatchSequence sequence, int firstPosition, NDArray logits) {
        int i = sequences.indexOf(sequence);
        int[] s = ids.get(i);
        int n = (int) logits.getShape().get(0);
        int[] targets = Arrays.copyOfRange(s, firstPosition + 1, firstPosition + 1 + n);
        rows[i] = rows[i].concat(ScoredRows.of(logits, targets, topK, selectedIds));
    }

    @Override
    public boolean isDone() {
        return sequences.stream().allMatch(s -> s.fed() == s.length());
    }

    /** The scores of sequence i's positions starts[i]..end. */
    public ScoredRows rows(int i) {
        return rows[i];
    }
}
