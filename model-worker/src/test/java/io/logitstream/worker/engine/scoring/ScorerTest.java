package io.logitstream.worker.engine.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.TestModels;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScorerTest {
    private static Scorer scorer() {
        return new Scorer(TestModels.tinyGpt2().model());
    }

    private static int[] ids(String name) {
        return TestModels.ints(TestModels.goldenCase(TestModels.tinyGpt2Golden(), name).get("input_ids"));
    }

    @Test
    void scoreReportsLogprobsTopKAndAggregates() {
        int[] ids = ids("short");
        SequenceScore s = scorer().score(ids, 3);
        assertThat(s.tokenIds()).containsExactly(ids);
        assertThat(s.topIds()[0]).isEmpty();
        assertThat(s.greedyIds()[0]).isEqualTo(-1);
        double sum = 0;
        for (int t = 1; t < ids.length; t++) {
            assertThat(s.topIds()[t]).hasSize(3);
            assertThat(s.topLogprobs()[t][0]).isGreaterThanOrEqualTo(s.topLogprobs()[t][1]);
            assertThat(s.topLogprobs()[t][0]).isGreaterThanOrEqualTo(s.tokenLogprobs()[t]);
            assertThat(s.greedyIds()[t]).isEqualTo(s.topIds()[t][0]);
            sum += s.tokenLogprobs()[t];
        }
        assertThat(s.sumLogprob()).isCloseTo(sum, within(1e-9));
        assertThat(s.meanNll()).isCloseTo(-sum / (ids.length - 1), within(1e-9));
        assertThat(s.perplexity()).isCloseTo(Math.exp(s.meanNll()), within(1e-6));
    }

    @Test
    void batchOfDifferentLengthsEqualsOneByOne() {
        List<int[]> seqs = List.of(ids("short"), ids("long"), ids("unicode"), new int[] {464});
        List<SequenceScore> batch = scorer().scoreBatch(seqs, 4);
        for (int i = 0; i < seqs.size(); i++) {
            SequenceScore alone = scorer().score(seqs.get(i), 4);
            SequenceScore b = batch.get(i);
            assertThat(b.tokenIds()).containsExactly(seqs.get(i));
            for (int t = 1; t < seqs.get(i).length; t++) {
                assertThat((double) b.tokenLogprobs()[t]).isCloseTo(alone.tokenLogprobs()[t], within(1e-4));
                assertThat(b.topIds()[t]).containsExactly(alone.topIds()[t]);
            }
        }
        SequenceScore single = batch.get(3);
        assertThat(single.meanNll()).isNaN();
        assertThat(single.sumLogprob()).isZero();
    }

    @Test
    void continuationScoresEqualTheTailOfTheFullScoreAndDetectGreedy() {
        JsonNode c = TestModels.goldenCase(TestModels.tinyGpt2Golden(), "short");
        int[] prompt = TestModels.ints(c.get("input_ids"));
        int[] greedy = TestModels.ints(c.get("greedy_new_ids"));
        int[] notGreedy = greedy.clone();
        notGreedy[2] = 13;
        List<ContinuationScore> scores = scorer().scoreContinuations(prompt, List.of(greedy, notGreedy, new int[] {11}), 2);
        assertThat(scores.get(0).isGreedy()).isTrue();
        assertThat(scores.get(1).isGreedy()).isFalse();
        assertThat(scores.get(2).continuationIds()).containsExactly(11);

        int[] full = Arrays.copyOf(prompt, prompt.length + notGreedy.length);
        System.arraycopy(notGreedy, 0, full, prompt.length, notGreedy.length);
        SequenceScore whole = scorer().score(full, 2);
        double sum = 0;
        for (int j = 0; j < notGreedy.length; j++) {
            assertThat((double) scores.get(1).logprobs()[j])
                    .isCloseTo(whole.tokenLogprobs()[prompt.length + j], within(1e-4));
            assertThat(scores.get(1).topIds()[j]).containsExactly(whole.topIds()[prompt.length + j]);
            sum += scores.get(1).logprobs()[j];
        }
        assertThat(scores.get(1).sumLogprob()).isCloseTo(sum, within(1e-9));
        assertThat(scores.get(1).meanLogprob()).isCloseTo(sum / notGreedy.length, within(1e-9));
        assertThat(scorer().scoreContinuation(prompt, greedy, 0).topIds()[0]).isEmpty();
    }
}
