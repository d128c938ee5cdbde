package io.logitstream.bench.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EvalComparisonTest {

    private static final List<EvalItem> ITEMS = List.of(
            new EvalItem("a", List.of(" x", " y"), 1),
            new EvalItem("b", List.of(" x", " y"), 0),
            new EvalItem("c", List.of(" x", " y"), 0));

    @Test
    void maxAbsDifferenceSkipsUnansweredItemsAndSpansEveryCandidate() {
        double[][] a = {{-1.0, -2.0}, {-3.0, -4.0}, null};
        double[][] b = {{-1.0, -2.5}, {-3.25, -4.0}, {-9.0, -9.0}};
        assertThat(EvalComparison.maxAbsDifference(a, b)).isEqualTo(0.5);
        assertThat(EvalComparison.maxAbsDifference(new double[][] {null}, new double[][] {{1.0}})).isNaN();
        assertThat(EvalComparison.maxAbsDifference(new double[][] {{1.0}}, new double[][] {{1.0, 2.0}}))
                .isInfinite();
    }

    @Test
    void argmaxTakesTheFirstOnTiesAsNumpyAndOurChoiceTaskDo() {
        assertThat(EvalComparison.argmax(new double[] {-2, -1, -1})).isEqualTo(1);
        assertThat(EvalComparison.argmax(new double[] {-1})).isZero();
    }

    @Test
    void accuracyCountsUnansweredItemsAsWrong() {
        double[][] ll = {{-2.0, -1.0}, {-1.0, -2.0}, null};
        assertThat(EvalComparison.accuracy(ll, ITEMS)).isEqualTo(2.0 / 3);
    }

    @Test
    void sameArgmaxNeedsBothSidesToAnswer() {
        double[][] a = {{-2.0, -1.0}, {-1.0, -2.0}, null};
        double[][] b = {{-2.5, -1.5}, {-3.0, -2.0}, {-1.0, -2.0}};
        assertThat(EvalComparison.sameArgmax(a, b)).isEqualTo(1);
    }

    @Test
    void sameTokensComparesContextAndEveryCandidate() {
        SideResult.Tokenization a = new SideResult.Tokenization(List.of(new int[] {1, 2}, new int[] {3}),
                List.of(List.of(new int[] {7}, new int[] {8}), List.of(new int[] {7}, new int[] {8})));
        SideResult.Tokenization b = new SideResult.Tokenization(List.of(new int[] {1, 2}, new int[] {3}),
                List.of(List.of(new int[] {7}, new int[] {8}), List.of(new int[] {7}, new int[] {8, 9})));
        assertThat(EvalComparison.sameTokens(a, b)).isEqualTo(1);
        assertThat(EvalComparison.sameTokens(a, a)).isEqualTo(2);
    }
}
