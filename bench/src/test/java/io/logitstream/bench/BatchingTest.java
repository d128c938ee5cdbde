package io.logitstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchingTest {

    @Test
    void splitsLikeTheScorerShortestFirst() {
        List<int[]> seqs = List.of(new int[10], new int[30], new int[20], new int[5]);
        // budget: 2 rows of 30 positions x vocab 1 x 4 bytes
        List<List<int[]>> parts = Batching.splitLikeScorer(seqs, 1, 2 * 30 * 4);
        assertThat(parts).extracting(List::size).containsExactly(3, 1);
        assertThat(parts.get(0)).extracting(a -> a.length).containsExactly(5, 10, 20);
        assertThat(Batching.paddedPositions(parts)).isEqualTo(3 * 20 + 30);
        assertThat(Batching.realPositions(seqs)).isEqualTo(65);
    }

    @Test
    void inputOrderSplitKeepsTheOrder() {
        List<int[]> seqs = List.of(new int[10], new int[30], new int[20], new int[5]);
        List<List<int[]>> parts = Batching.splitInOrder(seqs, 1, 2 * 30 * 4);
        assertThat(parts).extracting(List::size).containsExactly(2, 2);
        assertThat(Batching.paddedPositions(parts)).isEqualTo(2 * 30 + 2 * 20);
    }

    @Test
    void aSequenceLargerThanTheBudgetStillGetsASubBatch() {
        List<List<int[]>> parts = Batching.splitInOrder(List.of(new int[100], new int[1]), 1000, 4);
        assertThat(parts).extracting(List::size).containsExactly(1, 1);
    }

    @Test
    void workloadsAreDeterministicAndInsideBothVocabularies() {
        List<Workload> a = Workloads.create(7, Workloads.Reps.quick());
        List<Workload> b = Workloads.create(7, Workloads.Reps.quick());
        assertThat(a).extracting(Workload::name).containsExactly("score b1", "score b32", "generate b1", "generate b8");
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i).seqs()).usingRecursiveFieldByFieldElementComparator().isEqualTo(b.get(i).seqs());
        }
        Workload mixed = a.get(1);
        assertThat(mixed.batch()).isEqualTo(32);
        assertThat(mixed.minLength()).isGreaterThanOrEqualTo(16);
        assertThat(mixed.maxLength()).isLessThanOrEqualTo(512);
        assertThat(mixed.seqs()).allSatisfy(s -> assertThat(java.util.Arrays.stream(s).allMatch(id -> id >= 0 && id < 50_000)).isTrue());
    }
}
