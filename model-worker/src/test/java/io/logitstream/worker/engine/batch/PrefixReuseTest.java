package io.logitstream.worker.engine.batch;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.GenerationWork;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.engine.scoring.ScoredRows;
import io.logitstream.worker.engine.scoring.ScoringWork;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Prefix reuse changes no result: a request whose tokens start like an earlier one's (whole
 * edges of the cache, or the middle of one), a CHOICE whose candidates share one context, a
 * generation after a cached prompt, and a session's next turn all get the logprobs (within 1e-5)
 * and greedy tokens they get with no cache, on every fixture architecture; the cache stays
 * within its budget, evicting sessions last.
 */
class PrefixReuseTest {
    static final double TOL = 1e-5;
    static final BatchBudgets ROOMY = new BatchBudgets(64, 8, 64L << 20, 16, 64L << 20);
    static final BatchBudgets NO_CACHE = ROOMY.withPrefixCacheBytes(0);

    static Stream<String> fixtures() {
        return TestModels.FIXTURES.stream();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void cachedPrefixesGiveTheSameLogprobsAndTokens(String name) {
        LoadedModel loaded = TestModels.model(name);
        CausalLanguageModel model = loaded.model();
        Random random = new Random(11);
        int[] shared = randomIds(random, model.vocabSize(), 20);
        int[] first = concat(shared, randomIds(random, model.vocabSize(), 6));
        int[] sameStart = concat(shared, randomIds(random, model.vocabSize(), 5));
        int[] midEdge = concat(Arrays.copyOf(shared, 9), randomIds(random, model.vocabSize(), 7));

        ScoringWork coldSame = score(sameStart, shared.length);
        ScoringWork coldMid = score(midEdge, 12);
        GenerationWork coldGen = generate(loaded, sameStart);
        try (ContinuousBatcher cold = new ContinuousBatcher(model, NO_CACHE)) {
            run(cold, coldSame);
            run(cold, coldMid);
            run(cold, coldGen);
        }

        ScoringWork warmSame = score(sameStart, shared.length);
        ScoringWork warmMid = score(midEdge, 12);
        GenerationWork warmGen = generate(loaded, sameStart);
        try (ContinuousBatcher warm = new ContinuousBatcher(model, ROOMY)) {
            run(warm, score(first, first.length - 2));
            run(warm, warmSame);
            run(warm, warmMid);
            run(warm, warmGen);
        }

        assertSameRows(name, coldSame.rows(0), warmSame.rows(0));
        assertSameRows(name, coldMid.rows(0), warmMid.rows(0));
        GenerationResult expected = coldGen.result();
        GenerationResult actual = warmGen.result();
        assertThat(actual.newIds()).as(name).containsExactly(expected.newIds());
        assertClose(name, expected.logprobs(), actual.logprobs());

        if (model.prefillChunkingExact()) {
            // everything before the first scored position, from the first request's edge, or part of it
            assertThat(warmSame.sequences().get(0).cached()).as(name).isEqualTo(shared.length - 1);
            assertThat(warmMid.sequences().get(0).cached()).as(name).isEqualTo(9);
            assertThat(warmGen.sequences().get(0).cached()).as(name).isEqualTo(sameStart.length - 1);
        } else {
            // dynamic NTK rope: keys depend on the length at the time they were computed, so nothing is reused
            assertThat(warmSame.sequences().get(0).cached()).as(name).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void choiceCandidatesShareTheirContext(String name) {
        CausalLanguageModel model = TestModels.model(name).model();
        Random random = new Random(5);
        int[] context = randomIds(random, model.vocabSize(), 17);
        List<int[]> candidates = List.of(concat(context, randomIds(random, model.vocabSize(), 1)),
                concat(context, randomIds(random, model.vocabSize(), 4)),
                concat(context, randomIds(random, model.vocabSize(), 3)));
        int[] starts = {context.length, context.length, context.length};
        ScoringWork together = new ScoringWork(candidates, starts, 2);
        try (ContinuousBatcher batcher = new ContinuousBatcher(model, NO_CACHE)) {
            run(batcher, together);
            for (int i = 0; i < candidates.size(); i++) {
                ScoringWork alone = score(candidates.get(i), context.length);
                run(batcher, alone);
                assertSameRows(name + " candidate " + i, alone.rows(0), together.rows(i));
                assertThat(alone.sequences().get(0).cached()).isZero();
            }
        }
        int computed = together.sequences().stream().mapToInt(BatchSequence::computed).sum();
        if (model.prefillChunkingExact()) {
            // the context is computed once; each other candidate feeds the last context token and itself
            assertThat(together.sequences().get(1).cached()).as(name).isEqualTo(context.length - 1);
            assertThat(computed).as(name).isEqualTo((context.length + 1) + (1 + 4) + (1 + 3));
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void requestsArrivingTogetherComputeTheirSharedPrefixOnce(String name) {
        CausalLanguageModel model = TestModels.model(name).model();
        Random random = new Random(9);
        int[] header = randomIds(random, model.vocabSize(), 30);
        int[] first = concat(header, randomIds(random, model.vocabSize(), 5));
        int[] second = concat(header, randomIds(random, model.vocabSize(), 4));
        int[] third = concat(header, randomIds(random, model.vocabSize(), 6));
        ScoringWork coldSecond = score(second, header.length);
        ScoringWork coldThird = score(third, header.length);
        try (ContinuousBatcher cold = new ContinuousBatcher(model, NO_CACHE)) {
            run(cold, coldSecond);
            run(cold, coldThird);
        }
        ScoringWork a = score(first, header.length);
        ScoringWork b = score(second, header.length);
        ScoringWork c = score(third, header.length);
        try (ContinuousBatcher together = new ContinuousBatcher(model, ROOMY)) {
            together.add(a);
            together.add(b);
            together.add(c);
            together.step(); // all three admitted; b and c wait for a's header
            // the leader leaves early (dynamic NTK rope prefills at once: a is done already)
            assertThat(together.remove(a)).isEqualTo(model.prefillChunkingExact());
            drain(together);
        }
        assertSameRows(name, coldSecond.rows(0), b.rows(0));
        assertSameRows(name, coldThird.rows(0), c.rows(0));
        if (model.prefillChunkingExact()) {
            // a computed its 16-token chunk of the header before it left; b took nothing from the cache
            // (a never finished), so b computed the header and c followed b
            assertThat(c.sequences().get(0).cached()).as(name).isEqualTo(header.length - 1);
        }
    }

    @Test
    void evictsLeastRecentlyUsedWithinItsBudgetAndSessionsLast() {
        LoadedModel loaded = TestModels.tinyGpt2();
        CausalLanguageModel model = loaded.model();
        Random random = new Random(3);
        int[] chat = randomIds(random, model.vocabSize(), 24);
        int[] other1 = randomIds(random, model.vocabSize(), 24);
        int[] other2 = randomIds(random, model.vocabSize(), 24);
        long perToken;
        try (SlotKvCache probe = model.newSlotCache(1)) {
            perToken = probe.bytesPerToken();
        }
        // room for about two 24-token prompts (with 6 generated tokens each)
        BatchBudgets small = ROOMY.withPrefixCacheBytes(perToken * 64);
        GenerationWork turn1 = generate(loaded, chat);
        try (ContinuousBatcher batcher = new ContinuousBatcher(model, small)) {
            batcher.add(turn1, "chat-1");
            drain(batcher);
            run(batcher, score(other1, 20));
            run(batcher, score(other2, 20)); // evicts other1, not the session
            ScoringWork again1 = score(other1, 20);
            run(batcher, again1);
            assertThat(again1.sequences().get(0).cached()).isZero();

            int[] history = concat(chat, Arrays.copyOf(turn1.result().newIds(), 5));
            int[] turn2Prompt = concat(history, randomIds(random, model.vocabSize(), 4));
            GenerationWork turn2 = generate(loaded, turn2Prompt);
            batcher.add(turn2, "chat-1");
            drain(batcher);
            // the session's keys: prompt + every generated token fed back (the last one never is)
            assertThat(turn2.sequences().get(0).cached()).isEqualTo(history.length);
            assertThat(batcher.stats()).contains("prefix cache");

            GenerationWork cold = generate(loaded, turn2Prompt);
            try (ContinuousBatcher fresh = new ContinuousBatcher(model, NO_CACHE)) {
                run(fresh, cold);
            }
            assertThat(turn2.result().newIds()).containsExactly(cold.result().newIds());
            assertClose("turn 2", cold.result().logprobs(), turn2.result().logprobs());
        }
    }

    @Test
    void snapshotCountsPrefillDecodeAndCacheHits() {
        LoadedModel loaded = TestModels.model("tiny-gpt2");
        CausalLanguageModel model = loaded.model();
        assertThat(model.prefillChunkingExact()).isTrue();
        Random random = new Random(5);
        int[] prompt = randomIds(random, model.vocabSize(), 10);
        try (ContinuousBatcher batcher = new ContinuousBatcher(model, ROOMY)) {
            assertThat(batcher.snapshot().steps()).isZero();
            GenerationWork generation = generate(loaded, prompt);
            run(batcher, generation);
            BatcherStats afterGeneration = batcher.snapshot();
            assertThat(afterGeneration.prefillTokens()).isEqualTo(prompt.length);
            assertThat(afterGeneration.decodeTokens()).as("every generated token but the last is fed back")
                    .isEqualTo(generation.result().newIds().length - 1);
            assertThat(afterGeneration.prefixCache()).isEqualTo(new PrefixCacheStats(1, 0, 0, 0,
                    afterGeneration.prefixCache().bytes(), ROOMY.prefixCacheBytes()));
            assertThat(afterGeneration.prefixCache().bytes()).isPositive();

            ScoringWork sameStart = score(concat(prompt, randomIds(random, model.vocabSize(), 4)), prompt.length);
            run(batcher, sameStart);
            BatcherStats after = batcher.snapshot();
            int cached = sameStart.sequences().get(0).cached();
            assertThat(cached).isPositive();
            assertThat(after.prefixCache().lookups()).isEqualTo(2);
            assertThat(after.prefixCache().hits()).isEqualTo(1);
            assertThat(after.prefixCache().reusedTokens()).isEqualTo(cached);
            assertThat(after.prefillTokens()).isEqualTo(prompt.length + (prompt.length + 4 - cached));
            assertThat(after.steps()).isGreaterThan(afterGeneration.steps());
            assertThat(after.waitingWorks() + after.runningWorks() + after.runningSequences()).isZero();
        }
    }

    private static ScoringWork score(int[] ids, int start) {
        return new ScoringWork(List.of(ids), new int[] {start}, 3);
    }

    private static GenerationWork generate(LoadedModel model, int[] prompt) {
        return new GenerationWork(model, prompt, GenerationOptions.greedy(6).withIgnoreEos(true), TokenListener.NONE);
    }

    private static void run(ContinuousBatcher batcher, BatchWork work) {
        batcher.add(work);
        drain(batcher);
    }

    private static void drain(ContinuousBatcher batcher) {
        while (batcher.hasWork()) {
            for (ContinuousBatcher.Finished f : batcher.step()) {
                assertThat(f.failure()).isNull();
            }
        }
    }

    private static void assertSameRows(String what, ScoredRows expected, ScoredRows actual) {
        assertThat(actual.size()).as(what).isEqualTo(expected.size());
        assertClose(what, expected.logprobs(), actual.logprobs());
        assertThat(actual.argmax()).as(what).containsExactly(expected.argmax());
    }

    private static void assertClose(String what, float[] expected, float[] actual) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) Math.abs(expected[i] - actual[i])).as("%s position %d", what, i).isLessThan(TOL);
        }
    }

    static int[] randomIds(Random random, int vocab, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(Math.min(vocab, 1000));
        }
        return ids;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
