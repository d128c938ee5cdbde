package io.logitstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void classificationsCompareTheLargestLabelLogitDifference() throws Exception {
        Workload w = new Workload("classify b32", Workload.Kind.CLASSIFY, List.of(new int[4], new int[2]), 1, List.of());
        Report.WorkloadResult r = new Report.WorkloadResult(w);
        r.oursCheck = List.of(new float[] {1f, 2f, 3f}, new float[] {0.5f, 0f, -1f});
        r.hfCheck = JSON.readTree("[[1.0, 2.0, 3.0], [0.5, 0.25, -1.0]]");

        assertThat((Double) ResultCheck.of(r).get("max_abs_diff_logit")).isCloseTo(0.25, within(1e-9));
        assertThat(ResultCheck.cell(r)).isEqualTo("Δ 2.5e-01/logit");
    }

    @Test
    void scoresCompareTheSumOfLogprobsPerTokenAndGenerationsTheTokens() throws Exception {
        Workload score = new Workload("score b1", Workload.Kind.SCORE, List.of(new int[4]), 1, List.of());
        Report.WorkloadResult s = new Report.WorkloadResult(score);
        s.oursCheck = -10.0;
        s.hfCheck = JSON.readTree("-10.4");
        assertThat(ResultCheck.cell(s)).isEqualTo("Δ 1.0e-01/token");

        Workload gen = new Workload("generate b8", Workload.Kind.GENERATE, List.of(new int[2], new int[2]), 1, List.of());
        Report.WorkloadResult g = new Report.WorkloadResult(gen);
        g.oursCheck = List.of(new int[] {1, 2}, new int[] {3, 4});
        g.hfCheck = JSON.readTree("[[1, 2], [3, 5]]");
        assertThat(ResultCheck.cell(g)).isEqualTo("1/2 same");
    }

    @Test
    void withoutTransformersThereIsNothingToCompare() {
        Report.WorkloadResult r = new Report.WorkloadResult(
                new Workload("score b1", Workload.Kind.SCORE, List.of(new int[4]), 1, List.of()));
        r.oursCheck = -1.0;
        assertThat(ResultCheck.cell(r)).isEqualTo("-");
    }
}
