package io.logitstream.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.ops.GenerationOptions;
import io.logitstream.worker.engine.ops.GenerationResult;
import io.logitstream.worker.engine.ops.Generator;
import io.logitstream.worker.engine.ops.SequenceScore;
import io.logitstream.worker.engine.ops.Scorer;
import io.logitstream.worker.engine.ops.TokenListener;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The GPT-2 engine against transformers' outputs on the same saved checkpoint (fp32, eager). */
class Gpt2GoldenTest {
    private static final double LOGIT_TOL = 1e-4;

    static Stream<Arguments> cases() {
        java.util.List<Arguments> names = new java.util.ArrayList<>();
        TestModels.tinyGpt2Golden().get("cases").forEach(c -> names.add(Arguments.of(c.get("name").asText())));
        return names.stream();
    }

    private static float[][] logits(int[] ids) {
        LoadedModel m = TestModels.tinyGpt2();
        try (NDManager scope = m.model().manager().newSubManager();
                ForwardOutput out = m.model().forward(ForwardInput.of(ids), scope)) {
            float[] flat = out.logits().toFloatArray();
            int v = m.model().vocabSize();
            float[][] rows = new float[ids.length][];
            for (int t = 0; t < ids.length; t++) {
                rows[t] = java.util.Arrays.copyOfRange(flat, t * v, (t + 1) * v);
            }
            return rows;
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardLogitsMatchTransformers(String name) {
        JsonNode golden = TestModels.tinyGpt2Golden();
        JsonNode c = TestModels.goldenCase(golden, name);
        int[] ids = TestModels.ints(c.get("input_ids"));
        int[] columns = TestModels.ints(golden.get("sample_columns"));
        float[][] rows = logits(ids);
        for (int t = 0; t < ids.length; t++) {
            JsonNode sample = c.get("logits_sample").get(t);
            for (int j = 0; j < columns.length; j++) {
                assertThat((double) rows[t][columns[j]]).as("%s logits[%d][%d]", name, t, columns[j])
                        .isCloseTo(sample.get(j).asDouble(), within(LOGIT_TOL));
            }
            JsonNode topIds = c.get("top_ids").get(t);
            JsonNode topLogits = c.get("top_logits").get(t);
            for (int j = 0; j < topIds.size(); j++) {
                assertThat((double) rows[t][topIds.get(j).asInt()]).as("%s top logit %d at %d", name, j, t)
                        .isCloseTo(topLogits.get(j).asDouble(), within(LOGIT_TOL));
            }
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (float x : rows[t]) {
                max = Math.max(max, x);
                sum += x;
            }
            double z = 0;
            for (float x : rows[t]) {
                z += Math.exp(x - max);
            }
            assertThat(max + Math.log(z)).as("%s logsumexp at %d", name, t)
                    .isCloseTo(c.get("logsumexp").get(t).asDouble(), within(LOGIT_TOL));
            // the sum of 50k logits accumulates rounding; 1e-4 per logit on average is the bound
            assertThat(sum).as("%s logit_sum at %d", name, t)
                    .isCloseTo(c.get("logit_sum").get(t).asDouble(), within(LOGIT_TOL * rows[t].length / 10));
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lossAndTokenLogprobsMatchTransformers(String name) {
        JsonNode c = TestModels.goldenCase(TestModels.tinyGpt2Golden(), name);
        int[] ids = TestModels.ints(c.get("input_ids"));
        LoadedModel m = TestModels.tinyGpt2();
        try (NDManager scope = m.model().manager().newSubManager();
                ForwardOutput out = m.model().forward(
                        ForwardInput.builder(new int[][] {ids}).labels(new int[][] {ids}).build(), scope)) {
            assertThat((double) out.loss()).isCloseTo(c.get("loss").asDouble(), within(1e-5));
        }
        SequenceScore s = new Scorer(m.model()).score(ids, 5);
        assertThat(s.meanNll()).isCloseTo(c.get("loss").asDouble(), within(1e-5));
        assertThat(s.tokenLogprobs()[0]).isNaN();
        for (int t = 1; t < ids.length; t++) {
            assertThat((double) s.tokenLogprobs()[t]).as("logprob %d", t)
                    .isCloseTo(c.get("token_logprobs").get(t).asDouble(), within(LOGIT_TOL));
            assertThat(s.topIds()[t][0]).isEqualTo(c.get("top_ids").get(t - 1).get(0).asInt());
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void greedyGenerationMatchesTransformers(String name) {
        JsonNode c = TestModels.goldenCase(TestModels.tinyGpt2Golden(), name);
        int[] ids = TestModels.ints(c.get("input_ids"));
        int[] expected = TestModels.ints(c.get("greedy_new_ids"));
        GenerationResult r = new Generator(TestModels.tinyGpt2())
                .generate(ids, GenerationOptions.greedy(expected.length).withIgnoreEos(true), TokenListener.NONE);
        assertThat(r.newIds()).containsExactly(expected);
        assertThat(r.text()).isEqualTo(c.get("greedy_text").asText());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void incrementalDecodeWithCacheEqualsFullForward(String name) {
        JsonNode c = TestModels.goldenCase(TestModels.tinyGpt2Golden(), name);
        int[] ids = TestModels.ints(c.get("input_ids"));
        float[][] full = logits(ids);
        CausalLanguageModel model = TestModels.tinyGpt2().model();
        int split = ids.length / 2;
        // small initial capacity forces the cache to grow while decoding
        try (KvCache cache = new KvCache(model.manager(), 2, 3, model.contextLength());
                NDManager scope = model.manager().newSubManager()) {
            ForwardOutput first = model.forward(ForwardInput.builder(new int[][] {java.util.Arrays.copyOf(ids, split)})
                    .cache(cache).logitsToKeep(1).build(), scope);
            assertMaxDiff(first.logits().toFloatArray(), full[split - 1], 1e-4);
            for (int t = split; t < ids.length; t++) {
                ForwardOutput step = model.forward(ForwardInput.builder(new int[][] {{ids[t]}})
                        .cache(cache).logitsToKeep(1).build(), scope);
                assertMaxDiff(step.logits().toFloatArray(), full[t], 1e-4);
                step.close();
            }
            assertThat(cache.length()).isEqualTo(ids.length);
        }
    }

    @Test
    void leftPaddedBatchEqualsOneAtATime() {
        JsonNode golden = TestModels.tinyGpt2Golden();
        JsonNode b = golden.get("batched");
        int rowsCount = b.get("input_ids").size();
        int len = b.get("input_ids").get(0).size();
        int[][] ids = new int[rowsCount][];
        int[][] mask = new int[rowsCount][];
        for (int r = 0; r < rowsCount; r++) {
            ids[r] = TestModels.ints(b.get("input_ids").get(r));
            mask[r] = TestModels.ints(b.get("attention_mask").get(r));
        }
        int[] columns = TestModels.ints(golden.get("sample_columns"));
        CausalLanguageModel model = TestModels.tinyGpt2().model();
        int v = model.vocabSize();
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(ForwardInput.builder(ids).attentionMask(mask).build(), scope)) {
            float[] flat = out.logits().toFloatArray();
            for (int r = 0; r < rowsCount; r++) {
                String caseName = b.get("case_names").get(r).asText();
                int[] alone = TestModels.ints(TestModels.goldenCase(golden, caseName).get("input_ids"));
                float[][] single = logits(alone);
                int pad = len - alone.length;
                for (int t = 0; t < alone.length; t++) {
                    float[] row = java.util.Arrays.copyOfRange(flat, (r * len + pad + t) * v, (r * len + pad + t + 1) * v);
                    assertMaxDiff(row, single[t], 1e-4);
                    JsonNode sample = b.get("logits_sample").get(r).get(t);
                    for (int j = 0; j < columns.length; j++) {
                        assertThat((double) row[columns[j]]).isCloseTo(sample.get(j).asDouble(), within(LOGIT_TOL));
                    }
                }
            }
        }
    }

    @Test
    void promptLongerThanContextIsRejected() {
        CausalLanguageModel model = TestModels.tinyGpt2().model();
        int[] ids = new int[model.contextLength() + 1];
        try (NDManager scope = model.manager().newSubManager()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.forward(ForwardInput.of(ids), scope))
                    .isInstanceOfSatisfying(ContextLengthExceededException.class, e -> {
                        assertThat(e.requested()).isEqualTo(257);
                        assertThat(e.maximum()).isEqualTo(256);
                    });
        }
    }

    static void assertMaxDiff(float[] actual, float[] expected, double tol) {
        assertThat(actual).hasSameSizeAs(expected);
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            max = Math.max(max, Math.abs(actual[i] - expected[i]));
        }
        assertThat(max).as("max |diff|").isLessThanOrEqualTo(tol);
    }
}
