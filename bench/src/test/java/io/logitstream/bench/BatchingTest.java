package io.logitstream.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchingTest {

    @Test
    void splitsLikeTheScorerInInputOrder() {
        List<int[]> seqs = List.of(new int[10], new int[30], new int[20], new int[5]);
        // budget: 2 rows of 30 positions x vocab 1 x 4 bytes
        List<List<int[]>> parts = Batching.splitLikeScorer(seqs, 1, 2 * 30 * 4);
        assertThat(parts).extracting(List::size).containsExactly(2, 2);
        assertThat(Batching.paddedPositions(parts)).isEqualTo(2 * 30 + 2 * 20);
        assertThat(Batching.realPositions(seqs)).isEqualTo(65);
    }

    @Test
    void aSequenceLargerThanTheBudgetStillGetsASubBatch() {
        List<List<int[]>> parts = Batching.splitLikeScorer(List.of(new int[100], new int[1]), 1000, 4);
        assertThat(parts).extracting(List::size).containsExactly(1, 1);
    }

    @Test
    void sortsLongestFirst() {
        List<int[]> sorted = Batching.sortedLongestFirst(List.of(new int[2], new int[7], new int[4]));
        assertThat(sorted).extracting(a -> a.length).containsExactly(7, 4, 2);
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
