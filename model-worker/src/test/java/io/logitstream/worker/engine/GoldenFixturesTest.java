package io.logitstream.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.layers.MoeBlock;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.scoring.Scorer;
import io.logitstream.worker.engine.scoring.SequenceScore;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.engine.qwen2moe.Qwen2MoeModel;
import io.logitstream.worker.engine.tokenizer.ChatMessage;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture checkpoint against transformers' outputs on the same saved files (fp32, eager
 * attention, eager experts): see fixtures/README.md for what each golden key holds and for the
 * architecture rules the fixtures exercise (sliding windows, dynamic rope, head_dim, MoE).
 */
class GoldenFixturesTest {
    private static final double LOGIT_TOL = 1e-4;
    private static final double LOSS_TOL = 1e-5;
    /** transformers' own KV-cache-vs-full difference above which the golden documents a real mismatch. */
    private static final double DOCUMENTED_MISMATCH = 1e-3;
    /**
     * The Qwen fixtures (and tiny-internlm2, re-saved from tiny-qwen2) carry Qwen3's chat template,
     * which uses Python-only Jinja (namespace() keyword arguments with expressions,
     * {@code messages[::-1]}, {@code str.lstrip(chars)}) that Jinjava does not render. A known gap of the chat-template renderer, not of the model: their
     * chat prompts are checked from the golden ids and rendered text instead.
     */
    private static final java.util.Set<String> JINJAVA_CANNOT_RENDER = java.util.Set.of("tiny-qwen2", "tiny-qwen2-moe",
            "tiny-internlm2", "tiny-qwen2-moe-bnb8", "tiny-xcomposer2");

    static Stream<String> fixtures() {
        return TestModels.FIXTURES.stream();
    }

    static Stream<String> moeFixtures() {
        return fixtures().filter(n -> isMoe(TestModels.golden(n)));
    }

    private static boolean isMoe(JsonNode golden) {
        return !golden.get("sparse_moe_layers").isEmpty();
    }

    private static List<JsonNode> cases(JsonNode golden) {
        List<JsonNode> out = new ArrayList<>();
        golden.get("cases").forEach(out::add);
        return out;
    }

    /** Logits of a forward as [B][T][V] plus what else the output holds. */
    private record Result(float[][][] logits, Float loss, List<float[]> routers) {
    }

    private static Result forward(CausalLanguageModel model, ForwardInput in) {
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(in, scope)) {
            long[] shape = out.logits().getShape().getShape();
            int b = (int) shape[0];
            int t = (int) shape[1];
            int v = (int) shape[2];
            float[] flat = out.logits().toFloatArray();
            float[][][] rows = new float[b][t][];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < t; j++) {
                    rows[i][j] = Arrays.copyOfRange(flat, (i * t + j) * v, (i * t + j + 1) * v);
                }
            }
            List<float[]> routers = new ArrayList<>();
            out.routerLogits().forEach(r -> routers.add(r.toFloatArray()));
            return new Result(rows, out.loss(), routers);
        }
    }

    private static float[][] logits(CausalLanguageModel model, int[] ids) {
        return forward(model, ForwardInput.of(ids)).logits()[0];
    }

    private static double sampleDiff(float[] row, int[] columns, JsonNode sample) {
        double max = 0;
        for (int j = 0; j < columns.length; j++) {
            max = Math.max(max, Math.abs(row[columns[j]] - sample.get(j).asDouble()));
        }
        return max;
    }

    private static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void forwardMatchesTransformers(String name) {
        LoadedModel lm = TestModels.model(name);
        JsonNode golden = TestModels.golden(name);
        boolean moe = isMoe(golden);
        int[] columns = TestModels.ints(golden.get("sample_columns"));
        double worstLogit = 0;
        double worstLoss = 0;
        double worstRouter = 0;
        for (JsonNode c : cases(golden)) {
            String cn = name + "/" + c.get("name").asText();
            int[] ids = TestModels.ints(c.get("input_ids"));
            // the golden forward ran with output_router_logits=True for MoE: the loss includes the aux term
            Result r = forward(lm.model(), ForwardInput.builder(new int[][] {ids}).labels(new int[][] {ids})
                    .outputRouterLogits(moe).build());
            float[][] rows = r.logits()[0];
            for (int t = 0; t < ids.length; t++) {
                double d = sampleDiff(rows[t], columns, c.get("logits_sample").get(t));
                assertThat(d).as("%s logits_sample[%d]", cn, t).isLessThanOrEqualTo(LOGIT_TOL);
                worstLogit = Math.max(worstLogit, d);
                JsonNode topIds = c.get("top_ids").get(t);
                JsonNode topLogits = c.get("top_logits").get(t);
                for (int j = 0; j < topIds.size(); j++) {
                    double td = Math.abs(rows[t][topIds.get(j).asInt()] - topLogits.get(j).asDouble());
                    assertThat(td).as("%s top logit %d at %d", cn, j, t).isLessThanOrEqualTo(LOGIT_TOL);
                    worstLogit = Math.max(worstLogit, td);
                }
                double max = Double.NEGATIVE_INFINITY;
                int argmax = -1;
                double sum = 0;
                for (int i = 0; i < rows[t].length; i++) {
                    if (rows[t][i] > max) {
                        max = rows[t][i];
                        argmax = i;
                    }
                    sum += rows[t][i];
                }
                double z = 0;
                for (float x : rows[t]) {
                    z += Math.exp(x - max);
                }
                assertThat(argmax).as("%s argmax at %d", cn, t).isEqualTo(topIds.get(0).asInt());
                assertThat(max + Math.log(z)).as("%s logsumexp at %d", cn, t)
                        .isCloseTo(c.get("logsumexp").get(t).asDouble(), within(LOGIT_TOL));
                // a checksum over 50k-150k logits accumulates rounding (fixtures/README.md: ~1e-2)
                assertThat(sum).as("%s logit_sum at %d", cn, t)
                        .isCloseTo(c.get("logit_sum").get(t).asDouble(), within(1e-2));
            }
            double lossDiff = Math.abs(r.loss() - c.get("loss").asDouble());
            assertThat(lossDiff).as("%s loss", cn).isLessThanOrEqualTo(LOSS_TOL);
            worstLoss = Math.max(worstLoss, lossDiff);
            if (moe) {
                worstRouter = Math.max(worstRouter, routerDiff(lm.model(), golden, c, r.routers()));
            } else {
                assertThat(r.routers()).isEmpty();
            }
        }
        System.out.printf("golden %-22s max|dlogit| %.2e  max|dloss| %.2e  max|drouter| %s%n", name, worstLogit,
                worstLoss, moe ? String.format("%.2e", worstRouter) : "-");
    }

    private static double routerDiff(CausalLanguageModel model, JsonNode golden, JsonNode c, List<float[]> routers) {
        List<Integer> layers = new ArrayList<>();
        golden.get("sparse_moe_layers").forEach(l -> layers.add(l.asInt()));
        assertThat(model.routerLogitLayers()).isEqualTo(layers);
        assertThat(routers).hasSameSizeAs(layers);
        double worst = 0;
        for (int i = 0; i < layers.size(); i++) {
            JsonNode expected = c.get("router_logits").get(Integer.toString(layers.get(i)));
            int experts = expected.get(0).size();
            assertThat(routers.get(i)).hasSize(expected.size() * experts);
            for (int t = 0; t < expected.size(); t++) {
                for (int e = 0; e < experts; e++) {
                    double d = Math.abs(routers.get(i)[t * experts + e] - expected.get(t).get(e).asDouble());
                    assertThat(d).as("router logit layer %d token %d expert %d", layers.get(i), t, e)
                            .isLessThanOrEqualTo(LOGIT_TOL);
                    worst = Math.max(worst, d);
                }
            }
        }
        return worst;
    }

    /** Both ways of running the experts give transformers' numbers (AUTO picks one per forward). */
    @ParameterizedTest
    @MethodSource("moeFixtures")
    void denseAndSparseExpertsBothMatchTransformers(String name) {
        Qwen2MoeModel model = (Qwen2MoeModel) TestModels.model(name).model();
        JsonNode golden = TestModels.golden(name);
        int[] columns = TestModels.ints(golden.get("sample_columns"));
        try {
            for (MoeBlock.Strategy s : new MoeBlock.Strategy[] {MoeBlock.Strategy.DENSE, MoeBlock.Strategy.SPARSE}) {
                model.setMoeStrategy(s);
                for (JsonNode c : cases(golden)) {
                    int[] ids = TestModels.ints(c.get("input_ids"));
                    Result r = forward(model, ForwardInput.builder(new int[][] {ids}).outputRouterLogits(true).build());
                    for (int t = 0; t < ids.length; t++) {
                        assertThat(sampleDiff(r.logits()[0][t], columns, c.get("logits_sample").get(t)))
                                .as("%s %s logits at %d", s, c.get("name").asText(), t).isLessThanOrEqualTo(LOGIT_TOL);
                    }
                    routerDiff(model, golden, c, r.routers());
                }
            }
        } finally {
            model.setMoeStrategy(MoeBlock.Strategy.AUTO);
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void scoresMatchTransformersTokenLogprobs(String name) {
        LoadedModel lm = TestModels.model(name);
        JsonNode golden = TestModels.golden(name);
        for (JsonNode c : cases(golden)) {
            int[] ids = TestModels.ints(c.get("input_ids"));
            SequenceScore s = new Scorer(lm.model()).score(ids, 5);
            assertThat(s.tokenLogprobs()[0]).isNaN();
            double sum = 0;
            for (int t = 1; t < ids.length; t++) {
                double expected = c.get("token_logprobs").get(t).asDouble();
                sum += expected;
                assertThat((double) s.tokenLogprobs()[t]).as("%s logprob %d", c.get("name").asText(), t)
                        .isCloseTo(expected, within(LOGIT_TOL));
                assertThat(s.topIds()[t][0]).isEqualTo(c.get("top_ids").get(t - 1).get(0).asInt());
            }
            // the scorer's NLL never includes a MoE aux loss: compare with the golden logprobs' mean
            assertThat(s.meanNll()).isCloseTo(-sum / (ids.length - 1), within(LOSS_TOL));
            if (!isMoe(golden)) {
                assertThat(s.meanNll()).isCloseTo(c.get("loss").asDouble(), within(LOSS_TOL));
            }
        }
    }

    /**
     * generate() with the KV cache: the same 8 greedy ids (and text) as transformers. For
     * variant-llama-dynamic/long the cache matters: transformers' dynamic rope rotates each new
     * token with the frequencies of the current length while cached keys keep older ones, and the
     * golden ids are that behaviour, which the engine reproduces (see LlamaModel).
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void greedyGenerationMatchesTransformers(String name) {
        LoadedModel lm = TestModels.model(name);
        JsonNode golden = TestModels.golden(name);
        Generator gen = new Generator(lm);
        for (JsonNode c : cases(golden)) {
            int[] ids = TestModels.ints(c.get("input_ids"));
            int[] expected = TestModels.ints(c.get("greedy_new_ids"));
            GenerationResult r = gen.generate(ids, GenerationOptions.greedy(expected.length).withIgnoreEos(true),
                    TokenListener.NONE);
            assertThat(r.newIds()).as("%s/%s", name, c.get("name").asText()).containsExactly(expected);
            if (c.has("greedy_text")) {
                assertThat(r.text()).isEqualTo(c.get("greedy_text").asText());
            } else {
                assertThat(r.text()).isEmpty();
            }
        }
        JsonNode chat = golden.get("chat");
        if (chat != null) {
            int[] ids = TestModels.ints(chat.get("input_ids"));
            // apply_chat_template(tokenize=True) = tokenizer(rendered, add_special_tokens=False)
            assertThat(lm.tokenizer().encode(chat.get("rendered").asText(), false)).containsExactly(ids);
            List<ChatMessage> messages = new ArrayList<>();
            chat.get("messages").forEach(m -> messages.add(new ChatMessage(m.get("role").asText(),
                    m.get("content").asText())));
            boolean addPrompt = chat.get("add_generation_prompt").asBoolean();
            if (JINJAVA_CANNOT_RENDER.contains(name)) {
                assertThatThrownBy(() -> lm.renderChat(messages, addPrompt)).isInstanceOf(TokenizerException.class)
                        .hasMessageContaining("chat template failed");
            } else {
                assertThat(lm.renderChat(messages, addPrompt)).isEqualTo(chat.get("rendered").asText());
                assertThat(lm.encodeChat(messages, addPrompt)).containsExactly(ids);
            }
            int[] expected = TestModels.ints(chat.get("greedy_new_ids"));
            GenerationResult r = gen.generate(ids, GenerationOptions.greedy(expected.length).withIgnoreEos(true),
                    TokenListener.NONE);
            assertThat(r.newIds()).containsExactly(expected);
            assertThat(r.text()).isEqualTo(chat.get("greedy_text").asText());
        }
    }

    /**
     * Prefill 3 tokens, then one at a time (the golden's own check): equal to the full forward,
     * except where transformers documents that it is not (dynamic rope past
     * max_position_embeddings), where the engine must differ from the full forward as much as
     * transformers does.
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void incrementalDecodeWithCacheMatchesTransformers(String name) {
        CausalLanguageModel model = TestModels.model(name).model();
        JsonNode golden = TestModels.golden(name);
        for (JsonNode c : cases(golden)) {
            String cn = c.get("name").asText();
            int[] ids = TestModels.ints(c.get("input_ids"));
            float[][] full = logits(model, ids);
            int prefill = 3;
            double worst = 0;
            // a small initial capacity forces the cache to grow while decoding
            try (KvCache cache = model.newCache(2); NDManager scope = model.manager().newSubManager()) {
                try (ForwardOutput first = model.forward(ForwardInput.builder(new int[][] {Arrays.copyOf(ids, prefill)})
                        .cache(cache).build(), scope)) {
                    float[] flat = first.logits().toFloatArray();
                    int v = model.vocabSize();
                    for (int t = 0; t < prefill; t++) {
                        worst = Math.max(worst, maxDiff(Arrays.copyOfRange(flat, t * v, (t + 1) * v), full[t]));
                    }
                }
                for (int t = prefill; t < ids.length; t++) {
                    try (ForwardOutput step = model.forward(ForwardInput.builder(new int[][] {{ids[t]}})
                            .cache(cache).logitsToKeep(1).build(), scope)) {
                        worst = Math.max(worst, maxDiff(step.logits().toFloatArray(), full[t]));
                    }
                }
                assertThat(cache.length()).isEqualTo(ids.length);
            }
            double transformers = golden.get("checks").get("kv_cache_max_abs_diff/" + cn).asDouble();
            if (transformers < DOCUMENTED_MISMATCH) {
                assertThat(worst).as("%s/%s cache vs full", name, cn).isLessThanOrEqualTo(LOGIT_TOL);
            } else {
                assertThat(worst).as("%s/%s cache vs full, transformers: %s", name, cn, transformers)
                        .isCloseTo(transformers, within(DOCUMENTED_MISMATCH));
            }
        }
    }

    /** The golden's left-padded batch (explicit position_ids, as generate() makes them). */
    @ParameterizedTest
    @MethodSource("fixtures")
    void leftPaddedBatchMatchesTransformers(String name) {
        CausalLanguageModel model = TestModels.model(name).model();
        JsonNode golden = TestModels.golden(name);
        JsonNode b = golden.get("batched");
        int rows = b.get("input_ids").size();
        int[][] ids = new int[rows][];
        int[][] mask = new int[rows][];
        long[][] positions = new long[rows][];
        for (int r = 0; r < rows; r++) {
            ids[r] = TestModels.ints(b.get("input_ids").get(r));
            mask[r] = TestModels.ints(b.get("attention_mask").get(r));
            positions[r] = Arrays.stream(TestModels.ints(b.get("position_ids").get(r))).asLongStream().toArray();
        }
        int[] columns = TestModels.ints(golden.get("sample_columns"));
        // dynamic rope: both rows use the long row's frequencies, so the short row differs from its
        // unbatched forward (transformers too: max_abs_diff_vs_unbatched_full_vocab)
        boolean equalsUnbatched = b.get("max_abs_diff_vs_unbatched_full_vocab").asDouble() < DOCUMENTED_MISMATCH;
        float[][][] out = forward(model, ForwardInput.builder(ids).attentionMask(mask).positionIds(positions)
                .build()).logits();
        int len = ids[0].length;
        for (int r = 0; r < rows; r++) {
            String caseName = b.get("case_names").get(r).asText();
            int[] alone = TestModels.ints(TestModels.goldenCase(golden, caseName).get("input_ids"));
            float[][] single = equalsUnbatched ? logits(model, alone) : null;
            int pad = len - alone.length;
            for (int t = 0; t < alone.length; t++) {
                float[] row = out[r][pad + t];
                assertThat(sampleDiff(row, columns, b.get("logits_sample").get(r).get(t)))
                        .as("%s batched row %d position %d", name, r, t).isLessThanOrEqualTo(LOGIT_TOL);
                if (single != null) {
                    assertThat(maxDiff(row, single[t])).isLessThanOrEqualTo(LOGIT_TOL);
                }
            }
        }
    }

    /**
     * Sequences of different lengths in one batch, left- or right-padded, with position ids derived
     * from the mask: each row equals its own forward. (Not for dynamic rope, whose frequencies
     * depend on the longest row by design, see above: its golden batch differs from the rows alone.)
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void batchOfDifferentLengthsEqualsOneAtATime(String name) {
        CausalLanguageModel model = TestModels.model(name).model();
        if (TestModels.golden(name).get("batched").get("max_abs_diff_vs_unbatched_full_vocab").asDouble()
                >= DOCUMENTED_MISMATCH) {
            return;
        }
        List<int[]> seqs = new ArrayList<>();
        for (JsonNode c : cases(TestModels.golden(name))) {
            int[] ids = TestModels.ints(c.get("input_ids"));
            seqs.add(Arrays.copyOf(ids, Math.min(ids.length, 16 - 3 * seqs.size())));
        }
        int len = seqs.stream().mapToInt(s -> s.length).max().orElseThrow();
        for (boolean left : new boolean[] {true, false}) {
            int[][] ids = new int[seqs.size()][len];
            int[][] mask = new int[seqs.size()][len];
            for (int r = 0; r < seqs.size(); r++) {
                int[] s = seqs.get(r);
                int off = left ? len - s.length : 0;
                for (int t = 0; t < s.length; t++) {
                    ids[r][off + t] = s[t];
                    mask[r][off + t] = 1;
                }
            }
            float[][][] out = forward(model, ForwardInput.builder(ids).attentionMask(mask).build()).logits();
            for (int r = 0; r < seqs.size(); r++) {
                int[] s = seqs.get(r);
                float[][] single = logits(model, s);
                int off = left ? len - s.length : 0;
                for (int t = 0; t < s.length; t++) {
                    assertThat(maxDiff(out[r][off + t], single[t])).as("%s %s-padded row %d position %d", name,
                            left ? "left" : "right", r, t).isLessThanOrEqualTo(LOGIT_TOL);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void tokenizerMatchesTransformers(String name) {
        LoadedModel lm = TestModels.model(name);
        JsonNode golden = TestModels.golden(name);
        if (!golden.has("tokenization")) {
            // variants ship no tokenizer: forward-only use works, text fails clearly
            assertThat(lm.tokenizer().isAvailable()).isFalse();
            assertThatThrownBy(() -> lm.encodeText("hello")).isInstanceOf(TokenizerException.class)
                    .hasMessageContaining("no tokenizer.json").hasMessageContaining("token ids");
            assertThatThrownBy(() -> lm.tokenizer().decode(new int[] {1, 2}, true))
                    .isInstanceOf(TokenizerException.class);
            return;
        }
        for (JsonNode c : cases(golden)) {
            assertThat(lm.encodeText(c.get("text").asText())).as("%s/%s", name, c.get("name").asText())
                    .containsExactly(TestModels.ints(c.get("input_ids")));
        }
        for (JsonNode t : golden.get("tokenization")) {
            int[] ids = TestModels.ints(t.get("input_ids"));
            assertThat(lm.encodeText(t.get("text").asText())).as("%s: %s", name, t.get("text").asText())
                    .containsExactly(ids);
            assertThat(lm.tokenizer().decode(ids, false)).isEqualTo(t.get("decoded").asText());
            assertThat(lm.tokenizer().decode(ids, true)).isEqualTo(t.get("decoded_skip_special").asText());
        }
        assertThat(lm.encodeText("Hello world"))
                .containsExactly(TestModels.ints(golden.get("tokenizer").get("hello_world_ids")));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void promptLongerThanContextIsRejected(String name) {
        CausalLanguageModel model = TestModels.model(name).model();
        int[] ids = new int[model.contextLength() + 1];
        try (NDManager scope = model.manager().newSubManager()) {
            assertThatThrownBy(() -> model.forward(ForwardInput.of(ids), scope))
                    .isInstanceOfSatisfying(ContextLengthExceededException.class, e -> {
                        assertThat(e.requested()).isEqualTo(model.contextLength() + 1);
                        assertThat(e.maximum()).isEqualTo(model.contextLength());
                    });
        }
    }
}
