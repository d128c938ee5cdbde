package io.logitstream.worker.engine.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * BeamSearch's logic on hand-made log-probability tables (vocab 6, EOS = 5). The "model" gives the
 * next-token row from the last generated token; every expected step below is traced by hand from
 * transformers' rules (see BeamSearch's javadoc). Scores are float32 sums, as in transformers.
 * The expected hypotheses, scores and step counts were also confirmed with transformers 5.18 itself
 * (model.generate on tiny-gpt2 with a LogitsProcessor that replaces each row by these tables).
 */
class BeamSearchTest {
    private static final int V = 6;
    private static final int EOS = 5;
    private static final float X = -9f; // "very unlikely"

    /** Scenario with an early EOS hypothesis, an EOS ranked too low to count, and a longer winner. */
    private static final Map<Integer, float[]> SCENARIO_A = Map.of(
            -1, new float[] {-1.0f, -0.5f, -3f, -3f, -3f, -0.2f}, // prompt
            1, new float[] {X, X, -0.1f, X, X, -2.0f},
            0, new float[] {X, X, X, -0.3f, X, -0.05f},
            2, new float[] {X, X, X, X, -0.01f, -0.5f},
            3, new float[] {X, X, X, X, -0.9f, -0.02f},
            4, new float[] {-0.05f, X, X, X, X, -3f});

    /** Scenario where every slot is finished early while running beams could still win in the end. */
    private static final Map<Integer, float[]> SCENARIO_B = Map.of(
            -1, new float[] {X, -1.0f, -1.2f, X, X, -0.1f},
            1, new float[] {X, X, X, -0.3f, X, -0.1f},
            2, new float[] {X, X, X, -0.2f, X, -2.0f},
            3, new float[] {X, X, X, X, -0.02f, -0.01f},
            4, new float[] {-0.5f, X, X, X, X, X});

    private static BeamSettings settings(int beams, double lp, EarlyStopping es, int ret, int maxNew) {
        return new BeamSettings(beams, lp, es, ret, maxNew, Set.of(EOS));
    }

    private static Function<int[], float[]> markov(Map<Integer, float[]> table) {
        return tokens -> table.get(tokens.length == 0 ? -1 : tokens[tokens.length - 1]);
    }

    /** Runs the search to the end; returns the steps it answered. */
    private static List<BeamStep> run(BeamSearch search, Function<int[], float[]> model) {
        List<BeamStep> steps = new ArrayList<>();
        while (!search.isDone()) {
            float[][] rows = new float[search.liveBeams()][];
            for (int b = 0; b < rows.length; b++) {
                rows[b] = model.apply(search.liveTokens(b));
            }
            steps.add(search.step(rows));
        }
        return steps;
    }

    private static void assertHypothesis(BeamHypothesis h, int[] ids, float score, FinishReason reason) {
        assertThat(h.newIds()).containsExactly(ids);
        assertThat(h.score()).isCloseTo(score, within(1e-6));
        assertThat(h.finishReason()).isEqualTo(reason);
    }

    @Test
    void eosHypothesesCompeteWithLongerOnesUnderTheLengthPenalty() {
        BeamSearch search = new BeamSearch(settings(2, 1.0, EarlyStopping.HEURISTIC, 2, 4));
        assertThat(search.liveBeams()).isEqualTo(1);
        List<BeamStep> steps = run(search, markov(SCENARIO_A));
        // step 1: EOS (-0.2) ranks first and finishes; the beams run on with 1 and 0, both from the prompt
        assertThat(steps.get(0).parents()).containsExactly(0, 0);
        assertThat(steps.get(0).tokens()).containsExactly(1, 0);
        // step 2: [1,2] from live beam 0, [0,3] from live beam 1; [0,5] finishes (rank 1); [1,5] ranks 3: dropped
        assertThat(steps.get(1).parents()).containsExactly(0, 1);
        assertThat(steps.get(1).tokens()).containsExactly(2, 3);
        // step 3: both slots are finished but -0.61 / 3 still beats the worst (-1.1 / 3): go on
        assertThat(steps.get(2).parents()).containsExactly(0, 1);
        assertThat(steps.get(2).tokens()).containsExactly(4, 4);
        // step 4 = max_new_tokens: the top two candidates finish by length
        assertThat(steps).hasSize(4);
        assertThat(steps.get(3).done()).isTrue();
        assertThat(search.steps()).isEqualTo(4);
        List<BeamHypothesis> result = search.result();
        assertThat(result).hasSize(2);
        assertHypothesis(result.get(0), new int[] {1, 2, 4, 0}, (-0.5f + -0.1f + -0.01f + -0.05f) / 4f, FinishReason.LENGTH);
        assertHypothesis(result.get(1), new int[] {5}, -0.2f, FinishReason.EOS);
    }

    @Test
    void lengthPenaltyZeroPrefersTheShortHypothesis() {
        BeamSearch search = new BeamSearch(settings(2, 0.0, EarlyStopping.HEURISTIC, 2, 4));
        run(search, markov(SCENARIO_A));
        List<BeamHypothesis> result = search.result();
        assertHypothesis(result.get(0), new int[] {5}, -0.2f, FinishReason.EOS);
        assertHypothesis(result.get(1), new int[] {1, 2, 4, 0}, -0.5f + -0.1f + -0.01f + -0.05f, FinishReason.LENGTH);
    }

    @Test
    void earlyStoppingTrueStopsOnceEverySlotIsFinished() {
        BeamSearch search = new BeamSearch(settings(2, 1.0, EarlyStopping.WHEN_FULL, 2, 4));
        List<BeamStep> steps = run(search, markov(SCENARIO_A));
        assertThat(steps).hasSize(2);
        List<BeamHypothesis> result = search.result();
        assertHypothesis(result.get(0), new int[] {5}, -0.2f, FinishReason.EOS);
        assertHypothesis(result.get(1), new int[] {0, 5}, (-1.0f + -0.05f) / 2f, FinishReason.EOS);
    }

    @Test
    void heuristicStopsWhenTheBestRunningBeamCannotBeatTheWorstFinishedAtItsCurrentLength() {
        BeamSearch search = new BeamSearch(settings(2, 1.0, EarlyStopping.HEURISTIC, 2, 4));
        List<BeamStep> steps = run(search, markov(SCENARIO_B));
        // after step 2: slots [5] (-0.1) and [1,5] (-0.55); best running [1,3] scores -1.3 / 2 = -0.65 < -0.55
        assertThat(steps).hasSize(2);
        List<BeamHypothesis> result = search.result();
        assertHypothesis(result.get(0), new int[] {5}, -0.1f, FinishReason.EOS);
        assertHypothesis(result.get(1), new int[] {1, 5}, (-1.0f + -0.1f) / 2f, FinishReason.EOS);
    }

    @Test
    void neverCreditsRunningBeamsWithMaxLengthAndFindsTheBetterHypothesis() {
        BeamSearch search = new BeamSearch(settings(2, 1.0, EarlyStopping.NEVER, 2, 4));
        List<BeamStep> steps = run(search, markov(SCENARIO_B));
        // -1.3 / 4 > -0.55: goes on; step 3 finishes [1,3,5] (-1.31 / 3); [2,3,5] ranks 2: dropped
        assertThat(steps).hasSize(4);
        List<BeamHypothesis> result = search.result();
        assertHypothesis(result.get(0), new int[] {5}, -0.1f, FinishReason.EOS);
        assertHypothesis(result.get(1), new int[] {1, 3, 5}, (-1.0f + -0.3f + -0.01f) / 3f, FinishReason.EOS);
    }

    @Test
    void lengthPenaltyDividesByTheGeneratedLengthOnly() {
        float[] prompt = {-0.7f, -1.1f, -0.4f, -2f, -3f, -5f};
        float[] next = {-0.3f, -0.9f, -1.6f, -0.2f, -4f, -6f};
        for (double lp : new double[] {1.0, 0.5, 2.0, -1.0}) {
            BeamSearch search = new BeamSearch(new BeamSettings(3, lp, EarlyStopping.HEURISTIC, 3, 2, Set.of()));
            run(search, tokens -> tokens.length == 0 ? prompt : next);
            List<BeamHypothesis> result = search.result();
            // no EOS: the three best two-token sums, each divided by 2^lp (the prompt length plays no part)
            float d = (float) Math.pow(2, lp);
            assertHypothesis(result.get(0), new int[] {2, 3}, (-0.4f + -0.2f) / d, FinishReason.LENGTH);
            assertHypothesis(result.get(1), new int[] {2, 0}, (-0.4f + -0.3f) / d, FinishReason.LENGTH);
            assertHypothesis(result.get(2), new int[] {0, 3}, (-0.7f + -0.2f) / d, FinishReason.LENGTH);
        }
    }

    @Test
    void numReturnSequencesKeepsTheBestOnes() {
        BeamSearch search = new BeamSearch(settings(2, 1.0, EarlyStopping.HEURISTIC, 1, 4));
        run(search, markov(SCENARIO_A));
        assertThat(search.result()).singleElement()
                .satisfies(h -> assertThat(h.newIds()).containsExactly(1, 2, 4, 0));
    }

    @Test
    void oneNewTokenFinishesTheTopCandidatesAtOnce() {
        BeamSearch search = new BeamSearch(settings(2, 1.0, EarlyStopping.HEURISTIC, 2, 1));
        BeamStep step = search.step(SCENARIO_A.get(-1), V);
        assertThat(step.done()).isTrue();
        assertThat(step.parents()).isEmpty();
        List<BeamHypothesis> result = search.result();
        assertHypothesis(result.get(0), new int[] {5}, -0.2f, FinishReason.EOS);
        assertHypothesis(result.get(1), new int[] {1}, -0.5f, FinishReason.LENGTH);
    }

    @Test
    void vocabularySmallerThanTheCandidatesStillStartsFromThePrompt() {
        // 3 beams keep 6 candidates; 4 come from the prompt, 2 from the -1e9 copies, which never run on
        BeamSearch search = new BeamSearch(new BeamSettings(3, 1.0, EarlyStopping.HEURISTIC, 1, 3, Set.of()));
        BeamStep step = search.step(new float[] {-2f, -0.5f, -1f, -3f}, 4);
        assertThat(step.parents()).containsExactly(0, 0, 0);
        assertThat(step.tokens()).containsExactly(1, 2, 0);
        assertThat(search.liveBeams()).isEqualTo(3);
        assertThat(search.liveTokens(2)).containsExactly(0);
    }

    @Test
    void flatAndRowInputsAgree() {
        BeamSearch rows = new BeamSearch(settings(2, 1.0, EarlyStopping.HEURISTIC, 2, 4));
        run(rows, markov(SCENARIO_A));
        BeamSearch flat = new BeamSearch(settings(2, 1.0, EarlyStopping.HEURISTIC, 2, 4));
        while (!flat.isDone()) {
            float[] all = new float[flat.liveBeams() * V];
            for (int b = 0; b < flat.liveBeams(); b++) {
                System.arraycopy(markov(SCENARIO_A).apply(flat.liveTokens(b)), 0, all, b * V, V);
            }
            flat.step(all, V);
        }
        assertThat(flat.result()).usingRecursiveFieldByFieldElementComparator().isEqualTo(rows.result());
    }

    @Test
    void rejectsMisuse() {
        BeamSearch search = new BeamSearch(settings(2, 1.0, EarlyStopping.HEURISTIC, 2, 4));
        assertThatThrownBy(search::result).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> search.step(new float[2 * V], V)).isInstanceOf(IllegalArgumentException.class);
        search.step(SCENARIO_A.get(-1), V);
        assertThatThrownBy(() -> search.step(new float[][] {new float[V]})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> search.liveTokens(2)).isInstanceOf(IndexOutOfBoundsException.class);
        BeamSearch one = new BeamSearch(settings(2, 1.0, EarlyStopping.HEURISTIC, 2, 1));
        one.step(SCENARIO_A.get(-1), V);
        assertThatThrownBy(() -> one.step(new float[2 * V], V)).isInstanceOf(IllegalStateException.class);

        assertThatThrownBy(() -> settings(1, 1.0, EarlyStopping.HEURISTIC, 1, 4)).hasMessageContaining("num_beams");
        assertThatThrownBy(() -> settings(2, 1.0, EarlyStopping.HEURISTIC, 3, 4)).hasMessageContaining("num_return");
        assertThatThrownBy(() -> settings(2, Double.NaN, EarlyStopping.HEURISTIC, 1, 4)).hasMessageContaining("length");
        assertThatThrownBy(() -> settings(2, 1.0, EarlyStopping.HEURISTIC, 1, 0)).hasMessageContaining("max_new");
        assertThat(EarlyStopping.fromFlag(null)).isEqualTo(EarlyStopping.HEURISTIC);
        assertThat(EarlyStopping.fromFlag(true)).isEqualTo(EarlyStopping.WHEN_FULL);
        assertThat(settings(3, 1.0, EarlyStopping.HEURISTIC, 1, 4).beamsToKeep()).isEqualTo(6);
        assertThat(new BeamSettings(3, 1.0, EarlyStopping.HEURISTIC, 1, 4, Set.of(1, 2)).beamsToKeep()).isEqualTo(9);
    }
}
