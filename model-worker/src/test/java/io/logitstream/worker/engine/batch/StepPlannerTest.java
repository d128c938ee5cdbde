package io.logitstream.worker.engine.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The step policy alone: decodes first, then FCFS prefill chunks within the budgets. */
class StepPlannerTest {

    /** pending tokens, decoding or not, and rows wanted per fed token (1 = every position, 0 = none). */
    private record C(int pending, boolean decoding, int rowsPerToken) implements StepPlanner.Candidate {
        @Override
        public int logitRows(int count) {
            return decoding ? 1 : count * rowsPerToken;
        }
    }

    private static BatchBudgets budgets(int tokens, int chunk, long logitsBytes) {
        return new BatchBudgets(tokens, 64, 1L << 30, chunk, logitsBytes);
    }

    @Test
    void everyDecodeAdvancesBeforeAnyPrefill() {
        StepPlanner planner = new StepPlanner(budgets(6, 100, 1L << 30), true, 1000);
        int[] take = planner.plan(List.of(new C(40, false, 0), new C(1, true, 0), new C(1, true, 0)));
        assertThat(take).containsExactly(4, 1, 1);
    }

    @Test
    void longPromptsAreChunkedFirstComeFirstServed() {
        StepPlanner planner = new StepPlanner(budgets(10, 4, 1L << 30), true, 1000);
        assertThat(planner.plan(List.of(new C(9, false, 0), new C(9, false, 0), new C(9, false, 0))))
                .containsExactly(4, 4, 2);
    }

    @Test
    void logitsRowsAreBoundedToo() {
        // 40 rows of a 1000-token vocabulary fit 160 kB
        StepPlanner planner = new StepPlanner(budgets(512, 512, 160_000), true, 1000);
        int[] take = planner.plan(List.of(new C(100, false, 1), new C(100, false, 0)));
        assertThat(take[0]).isLessThanOrEqualTo(40).isPositive();
        assertThat(take[1]).isPositive();
    }

    @Test
    void unchunkablePromptsGoWholeAloneIfNeeded() {
        StepPlanner planner = new StepPlanner(budgets(8, 4, 1L << 30), false, 1000);
        assertThat(planner.plan(List.of(new C(20, false, 0), new C(3, false, 0)))).containsExactly(20, 0);
        assertThat(planner.plan(List.of(new C(1, true, 0), new C(20, false, 0), new C(3, false, 0))))
                .containsExactly(1, 0, 3);
    }

    @Test
    void nothingPendingMeansAnEmptyStep() {
        StepPlanner planner = new StepPlanner(BatchBudgets.defaults(), true, 1000);
        assertThat(planner.plan(List.of(new C(0, false, 0), new C(0, true, 0)))).containsExactly(0, 0);
    }
}
