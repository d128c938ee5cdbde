package io.logitstream.worker.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TeacherParams;
import io.logitstream.schema.TokenChunk;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The serving core on real fixtures: requests of every task and of different lengths sharing
 * steps (small budgets force prefill chunks, waiting and admission between steps) get the same
 * results as each served alone.
 */
class ServingSchedulerTest {
    /** Budgets small enough that prompts are chunked and requests wait for room. */
    static final BatchBudgets TIGHT = new BatchBudgets(12, 6, 64L << 20, 5, 64L << 20);
    static final double LOGPROB_TOL = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gpt2", "tiny-qwen2-moe", "tiny-mistral"})
    void mixedRequestsEqualEachServedAlone(String name) throws Exception {
        LoadedModel model = TestModels.model(name);
        TaskRouter router = new TaskRouter(model, "test");
        List<PromptRequest> requests = mixedRequests(model);
        Map<String, ScoringResult> results = runAll(new ServingScheduler(router, TIGHT), requests, TokenSink.DISCARD);

        for (PromptRequest request : requests) {
            ScoringResult batched = results.get(request.getRequestId());
            ScoringResult alone = router.handle(item(request), TokenSink.DISCARD);
            assertThat(batched.getStatus()).as(request.getRequestId()).isEqualTo(ResultStatus.OK);
            assertSameOutput(request, batched, alone);
        }
    }

    @Test
    void greedyTokensEqualTheOneAtATimeGenerator() throws Exception {
        LoadedModel model = TestModels.tinyGpt2();
        TaskRouter router = new TaskRouter(model, "test");
        List<PromptRequest> requests = mixedRequests(model);
        Map<String, ScoringResult> results = runAll(new ServingScheduler(router, TIGHT), requests, TokenSink.DISCARD);
        Generator generator = new Generator(model);
        for (PromptRequest request : requests) {
            GenerationParams p = request.getGeneration();
            if (request.getTask() != Task.GENERATE || Boolean.TRUE.equals(p.getDoSample())) {
                continue;
            }
            ScoringResult r = results.get(request.getRequestId());
            int[] prompt = r.getInputIds().stream().mapToInt(Integer::intValue).toArray();
            GenerationResult g = generator.generate(prompt, GenerationOptions.greedy(p.getMaxNewTokens()),
                    TokenListener.NONE);
            assertThat(r.getGeneration().getNewIds()).containsExactly(box(g.newIds()));
            for (int i = 0; i < g.logprobs().length; i++) {
                assertThat((double) r.getGeneration().getTokenLogprobs().get(i)).isCloseTo(g.logprobs()[i],
                        within(LOGPROB_TOL));
            }
        }
    }

    @Test
    void streamedChunksRebuildEachGeneration() throws Exception {
        LoadedModel model = TestModels.tinyGpt2();
        List<TokenChunk> chunks = new CopyOnWriteArrayList<>();
        List<PromptRequest> requests = mixedRequests(model);
        Map<String, ScoringResult> results = runAll(new ServingScheduler(new TaskRouter(model, "test"), TIGHT),
                requests, chunks::add);
        for (PromptRequest request : requests) {
            if (request.getTask() != Task.GENERATE) {
                continue;
            }
            List<TokenChunk> mine = chunks.stream().filter(c -> c.getRequestId().equals(request.getRequestId()))
                    .sorted((a, b) -> Integer.compare(a.getSeq(), b.getSeq())).toList();
            ScoringResult r = results.get(request.getRequestId());
            assertThat(mine).hasSize(r.getGeneration().getNewIds().size());
            assertThat(mine.get(mine.size() - 1).getIsFinal()).isTrue();
            assertThat(mine.stream().map(TokenChunk::getText).collect(Collectors.joining()))
                    .isEqualTo(r.getGeneration().getText());
        }
    }

    @Test
    void aCancelledRequestIsNeverAnsweredAndFreesItsPlace() throws Exception {
        LoadedModel model = TestModels.tinyGpt2();
        try (ServingScheduler scheduler = new ServingScheduler(new TaskRouter(model, "test"),
                BatchBudgets.defaults().withMaxRunningSequences(1))) {
            CountDownLatch firstToken = new CountDownLatch(1);
            List<ScoringResult> answers = new CopyOnWriteArrayList<>();
            PromptRequest longOne = generate(model.name(), "long", "Once upon a time", 200, null);
            RequestExecutor.Ticket ticket = scheduler.submit(item(longOne), chunk -> firstToken.countDown(), answers::add);
            assertThat(firstToken.await(30, TimeUnit.SECONDS)).isTrue();
            ticket.cancel();
            CountDownLatch next = new CountDownLatch(1);
            scheduler.submit(item(generate(model.name(), "next", "Hello", 3, null)), TokenSink.DISCARD, r -> {
                answers.add(r);
                next.countDown();
            });
            assertThat(next.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(answers).extracting(ScoringResult::getRequestId).containsExactly("next");
            assertThat(scheduler.pending()).isZero();
        }
    }

    @Test
    void anUnseededSampleRecordsTheSeedThatReplaysIt() throws Exception {
        LoadedModel model = TestModels.tinyGpt2();
        TaskRouter router = new TaskRouter(model, "test");
        PromptRequest unseeded = sample(model.name(), "u", null);
        ScoringResult first = router.handle(item(unseeded), TokenSink.DISCARD);
        ScoringResult second = router.handle(item(sample(model.name(), "u2", null)), TokenSink.DISCARD);
        Long seed = first.getProvenance().getSeed();
        assertThat(seed).isNotNull().isNotEqualTo(second.getProvenance().getSeed());
        ScoringResult replay = router.handle(item(sample(model.name(), "r", seed)), TokenSink.DISCARD);
        assertThat(replay.getGeneration().getNewIds()).isEqualTo(first.getGeneration().getNewIds());
    }

    private static Map<String, ScoringResult> runAll(ServingScheduler scheduler, List<PromptRequest> requests,
            TokenSink tokens) throws InterruptedException {
        Map<String, ScoringResult> results = new ConcurrentHashMap<>();
        CountDownLatch done = new CountDownLatch(requests.size());
        try (scheduler) {
            for (PromptRequest r : requests) {
                scheduler.submit(item(r), tokens, result -> {
                    results.put(result.getRequestId(), result);
                    done.countDown();
                });
            }
            assertThat(done.await(120, TimeUnit.SECONDS)).as("every request answered").isTrue();
        }
        return results;
    }

    /** Generations of different lengths, seeded sampling, scores, a continuation, a choice, teacher logits. */
    private static List<PromptRequest> mixedRequests(LoadedModel model) {
        Random random = new Random(11);
        List<PromptRequest> out = new ArrayList<>();
        out.add(generate(model.name(), "g-text", "Once upon a time", 12, null));
        out.add(builder(model.name(), "g-ids", Task.GENERATE).setInputIds(ids(random, model, 23)).setTopLogprobs(2)
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(7).build()).build());
        out.add(sample(model.name(), "g-sample", 42L));
        out.add(builder(model.name(), "s-long", Task.SCORE).setInputIds(ids(random, model, 31)).setTopLogprobs(3).build());
        out.add(builder(model.name(), "s-cont", Task.SCORE).setText("Hello world,").setContinuation(" this is a test").build());
        out.add(generate(model.name(), "g-short", "Hi", 3, null));
        out.add(builder(model.name(), "c", Task.CHOICE).setText("The answer is").setChoices(List.of(" A", " B", " yes it is"))
                .build());
        out.add(builder(model.name(), "t", Task.TEACHER).setInputIds(ids(random, model, 9))
                .setTeacher(TeacherParams.newBuilder().setTopK(5).build()).build());
        out.add(builder(model.name(), "s-short", Task.SCORE).setInputIds(ids(random, model, 4)).build());
        return out;
    }

    private static void assertSameOutput(PromptRequest request, ScoringResult batched, ScoringResult alone) {
        String id = request.getRequestId();
        assertThat(batched.getInputIds()).as(id).isEqualTo(alone.getInputIds());
        switch (request.getTask()) {
            case GENERATE -> {
                assertThat(batched.getGeneration().getNewIds()).as(id).isEqualTo(alone.getGeneration().getNewIds());
                assertClose(id, batched.getGeneration().getTokenLogprobs(), alone.getGeneration().getTokenLogprobs());
                assertThat(batched.getGeneration().getText()).isEqualTo(alone.getGeneration().getText());
            }
            case SCORE -> {
                assertClose(id, batched.getScore().getTokenLogprobs(), alone.getScore().getTokenLogprobs());
                assertThat(batched.getScore().getSumLogprob()).isCloseTo(alone.getScore().getSumLogprob(),
                        within(1e-4));
            }
            case CHOICE -> {
                for (int i = 0; i < request.getChoices().size(); i++) {
                    assertThat(batched.getChoice().getCandidates().get(i).getLogprob()).as(id)
                            .isCloseTo(alone.getChoice().getCandidates().get(i).getLogprob(), within(1e-4));
                }
            }
            case TEACHER -> {
                for (int t = 0; t < request.getInputIds().size(); t++) {
                    assertThat(batched.getTeacher().getTopIds().get(t)).isEqualTo(alone.getTeacher().getTopIds().get(t));
                    assertClose(id, batched.getTeacher().getTopLogits().get(t), alone.getTeacher().getTopLogits().get(t));
                }
            }
            default -> throw new AssertionError(request.getTask());
        }
    }

    private static void assertClose(String id, List<Float> actual, List<Float> expected) {
        assertThat(actual).as(id).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            if (expected.get(i) == null) {
                assertThat(actual.get(i)).isNull();
            } else {
                assertThat((double) actual.get(i)).as("%s[%d]", id, i).isCloseTo(expected.get(i), within(LOGPROB_TOL));
            }
        }
    }

    static PromptRequest generate(String model, String id, String text, int maxNew, Long seed) {
        return builder(model, id, Task.GENERATE).setText(text)
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(maxNew).setSeed(seed).build()).build();
    }

    static PromptRequest sample(String model, String id, Long seed) {
        return builder(model, id, Task.GENERATE).setText("Once upon a time")
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(10).setDoSample(true).setTemperature(0.9f)
                        .setTopK(20).setSeed(seed).build()).build();
    }

    static PromptRequest.Builder builder(String model, String id, Task task) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model).setTask(task);
    }

    private static List<Integer> ids(Random random, LoadedModel model, int n) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(random.nextInt(model.model().vocabSize()));
        }
        return ids;
    }

    static WorkItem item(PromptRequest request) {
        long now = System.currentTimeMillis();
        return new WorkItem(request, now, now);
    }

    private static Integer[] box(int[] ids) {
        return java.util.Arrays.stream(ids).boxed().toArray(Integer[]::new);
    }
}
