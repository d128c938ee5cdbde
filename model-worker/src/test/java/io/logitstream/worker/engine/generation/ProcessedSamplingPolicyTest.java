package io.logitstream.worker.engine.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The processors of ProcessedSamplingPolicy on hand-made rows: values, order, and what sampling can pick. */
class ProcessedSamplingPolicyTest {
    private static final int[] NO_HISTORY = {};

    private static SamplingSettings greedy() {
        return new SamplingSettings(false, 1.0, 0, 1.0, 1.0, 0);
    }

    private static SamplingSettings sampling(double temperature) {
        return new SamplingSettings(true, temperature, 0, 1.0, 1.0, 42);
    }

    private static ProcessedSamplingPolicy policy(SamplingSettings s) {
        return new ProcessedSamplingPolicy(s);
    }

    /** The distinct tokens drawn from {@code row} in 2000 samples. */
    private static Set<Integer> drawn(SamplingSettings s, float[] row) {
        ProcessedSamplingPolicy p = policy(s);
        Set<Integer> seen = new TreeSet<>();
        for (int i = 0; i < 2000; i++) {
            seen.add(p.chooseRow(row.clone(), NO_HISTORY));
        }
        return seen;
    }

    @Test
    void logitBiasMovesTheArgmaxAndBansWithMinusInfinity() {
        float[] row = {1f, 3f, 2f, 0f};
        assertThat(policy(greedy()).chooseRow(row.clone(), NO_HISTORY)).isEqualTo(1);
        assertThat(policy(greedy().withLogitBias(Map.of(2, 1.5f))).chooseRow(row.clone(), NO_HISTORY)).isEqualTo(2);
        assertThat(drawn(sampling(1.0).withLogitBias(Map.of(1, Float.NEGATIVE_INFINITY, 3, Float.NEGATIVE_INFINITY)),
                row)).containsExactly(0, 2);
    }

    @Test
    void logitBiasComesBeforeTheRepetitionPenalty() {
        // transformers' order: bias then penalty, (3 - 1) / 2 = 1 (the other way: 3 / 2 - 1 = 0.5)
        float[] row = {3f, 0f, -1f};
        policy(new SamplingSettings(false, 1.0, 0, 1.0, 2.0, 0).withLogitBias(Map.of(0, -1f)))
                .process(row, new int[] {0, 2});
        assertThat(row).containsExactly(1f, 0f, -2f);
    }

    @Test
    void guardReplacesARowWithNanOrInfinityByToken5() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] row = {1f, 9f, bad, 2f, 0f, -1f, 3f};
            SamplingSettings guarded = greedy().withInvalidScoreGuard(true);
            policy(guarded).process(row, NO_HISTORY);
            assertThat(row).containsExactly(0f, 0f, 0f, 0f, 0f, 5e4f, 0f);
            assertThat(policy(guarded).chooseRow(new float[] {1f, 9f, bad, 2f, 0f, -1f, 3f}, NO_HISTORY)).isEqualTo(5);
            assertThat(drawn(sampling(0.7).withInvalidScoreGuard(true), new float[] {1f, 9f, bad, 2f, 0f, -1f, 3f}))
                    .containsExactly(5);
        }
        float[] fine = {1f, 9f, 2f};
        policy(greedy().withInvalidScoreGuard(true)).process(fine, NO_HISTORY);
        assertThat(fine).containsExactly(1f, 9f, 2f);
        // a -inf bias is an infinity too, as in transformers (bias runs before the guard)
        assertThat(policy(greedy().withInvalidScoreGuard(true).withLogitBias(Map.of(0, Float.NEGATIVE_INFINITY)))
                .chooseRow(new float[] {1f, 9f, 2f, 0f, 0f, 0f}, NO_HISTORY)).isEqualTo(5);
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTopProbability() {
        // probabilities relative to the top token: 1, 0.5, 0.2, 0.35
        float[] row = {0f, (float) Math.log(0.5), (float) Math.log(0.2), (float) Math.log(0.35)};
        assertThat(drawn(sampling(1.0), row)).containsExactly(0, 1, 2, 3);
        assertThat(drawn(sampling(1.0).withMinP(0.3), row)).containsExactly(0, 1, 3);
        assertThat(drawn(sampling(1.0).withMinP(1.0), row)).containsExactly(0);
        // after temperature 2 the ratios are square roots (0.2 -> 0.45): token 2 is back
        assertThat(drawn(sampling(2.0).withMinP(0.3), row)).containsExactly(0, 1, 2, 3);
        // after top-k 2, as transformers (min-p is the last warper)
        assertThat(drawn(new SamplingSettings(true, 1.0, 2, 1.0, 1.0, 7).withMinP(0.3), row)).containsExactly(0, 1);
    }

    @Test
    void onlyTheProcessorsAskedForLeaveTheFastPath() {
        assertThat(greedy().isPlainGreedy()).isTrue();
        assertThat(greedy().withMinP(0.5).isPlainGreedy()).as("min_p changes no argmax").isTrue();
        assertThat(greedy().withLogitBias(Map.of(1, 1f)).isPlainGreedy()).isFalse();
        assertThat(greedy().withInvalidScoreGuard(true).isPlainGreedy()).isFalse();
        assertThat(greedy().withLogitBias(Map.of(1, 1f)).policy()).isInstanceOf(ProcessedSamplingPolicy.class);
        SamplingSettings old = new SamplingSettings(true, 0.8, 5, 0.9, 1.1, 3);
        assertThat(old.minP()).isZero();
        assertThat(old.logitBias()).isEmpty();
        assertThat(old.invalidScoreGuard()).isFalse();
    }

    @Test
    void rejectsInvalidSettings() {
        assertThatThrownBy(() -> greedy().withMinP(1.5)).hasMessageContaining("min_p");
        assertThatThrownBy(() -> greedy().withMinP(-0.1)).hasMessageContaining("min_p");
        assertThatThrownBy(() -> greedy().withLogitBias(Map.of(1, Float.NaN))).hasMessageContaining("logit_bias");
        assertThatThrownBy(() -> greedy().withLogitBias(Map.of(1, Float.POSITIVE_INFINITY)))
                .hasMessageContaining("logit_bias");
        assertThatThrownBy(() -> greedy().withLogitBias(Map.of(-1, 1f))).hasMessageContaining("logit_bias");
        SamplingSettings biased = greedy().withLogitBias(Map.of(10, 1f));
        assertThatThrownBy(() -> biased.validateFor(10)).hasMessageContaining("outside the vocabulary");
        biased.validateFor(11);
        assertThatThrownBy(() -> policy(biased).chooseRow(new float[4], NO_HISTORY))
                .hasMessageContaining("outside the vocabulary");
        Map<Integer, Float> mutable = new HashMap<>(Map.of(1, 1f));
        SamplingSettings copy = greedy().withLogitBias(mutable);
        mutable.put(2, 5f);
        assertThat(copy.logitBias()).containsOnlyKeys(1);
    }

    @Test
    void batchedLogitsGoThroughTheSameProcessing() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.create(new float[] {1f, 3f, 2f, 0f, 5f, 1f, 0f, Float.NaN}, new Shape(2, 4));
            SamplingSettings s = greedy().withLogitBias(Map.of(2, 1.5f)).withInvalidScoreGuard(true);
            // row 2 holds a NaN: guard -> token 5, outside this 4-token vocabulary, so all zeros -> token 0
            assertThat(policy(s).choose(logits, new int[][] {{}, {}})).containsExactly(2, 0);
        }
    }
}
