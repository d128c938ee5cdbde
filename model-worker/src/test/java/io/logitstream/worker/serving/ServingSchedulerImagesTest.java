package io.logitstream.worker.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.SlowImageServer;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Images are fetched off the serving thread: while a URL hangs (a local server that answers only
 * when told), the running batch keeps stepping and answering, and a cancelled request's fetch is
 * interrupted and answers nothing. The waits below only guard against hanging; every assertion is
 * about what happened in which order.
 */
class ServingSchedulerImagesTest {
    private static final long GUARD_S = 120;
    private static LoadedModel model;
    private static TaskRouter router;
    private static byte[] image;
    private static JsonNode prompt;

    private SlowImageServer server;
    private ServingScheduler scheduler;
    private final Map<String, CompletableFuture<ScoringResult>> results = new ConcurrentHashMap<>();
    private final List<String> answerOrder = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        model = TestModels.model("tiny-internvl");
        router = new TaskRouter(model, "test");
        prompt = TestModels.golden("tiny-internvl").get("prompts").get(0);
        image = Files.readAllBytes(TestModels.root().resolve(prompt.get("image").asText()));
    }

    @BeforeEach
    void startServer() throws Exception {
        server = new SlowImageServer(image);
    }

    @AfterEach
    void stop() {
        server.answer();
        if (scheduler != null) {
            scheduler.close();
        }
        server.close();
    }

    @Test
    void textRequestsKeepSteppingAndAnsweringWhileAnImageIsFetched() throws Exception {
        scheduler = new ServingScheduler(router, BatchBudgets.defaults(), new ImageStage.Settings(1, 64L << 20));
        AtomicInteger steps = new AtomicInteger();
        scheduler.onStep(nanos -> steps.incrementAndGet());

        submit(choice("img", ImageInput.newBuilder().setUri(server.uri("/slow.png")).build()));
        assertThat(server.awaitFetchStarted()).isTrue();
        int stepsBefore = steps.get();
        submit(generate("txt-1", 12));
        submit(generate("txt-2", 6));
        ScoringResult first = results.get("txt-1").get(GUARD_S, TimeUnit.SECONDS);
        results.get("txt-2").get(GUARD_S, TimeUnit.SECONDS);

        // both text requests ran every step of theirs while the image's server had not answered
        assertThat(server.answered()).isZero();
        assertThat(results.get("img")).isNotDone();
        assertThat(first.getStatus()).as(String.valueOf(first.getError())).isEqualTo(ResultStatus.OK);
        assertThat(first.getGeneration().getNewIds()).hasSize(12);
        assertThat(steps.get() - stepsBefore).isGreaterThanOrEqualTo(11);
        assertThat(scheduler.pending()).as("the image request still counts as in flight").isEqualTo(1);

        server.answer();
        ScoringResult img = results.get("img").get(GUARD_S, TimeUnit.SECONDS);
        assertThat(answerOrder).hasSize(3).endsWith("img");
        ScoringResult inline = router.handle(item(choice("inline", ImageInput.newBuilder()
                .setData(ByteBuffer.wrap(image)).build())), TokenSink.DISCARD);
        assertThat(probabilities(img)).as("fetched ahead = fetched while planning")
                .containsExactly(probabilities(inline), within(1e-6));
        assertThat(img.getInputIds()).isEqualTo(inline.getInputIds());
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void aFailedFetchGivesTheSameErrorResultAsWhenFetchedWhilePlanning() throws Exception {
        scheduler = new ServingScheduler(router, BatchBudgets.defaults(), new ImageStage.Settings(2, 64L << 20));
        PromptRequest missing = choice("missing", ImageInput.newBuilder().setUri(server.uri("/missing.png")).build());

        submit(missing);
        ScoringResult staged = results.get("missing").get(GUARD_S, TimeUnit.SECONDS);
        ScoringResult planned = router.handle(item(missing), TokenSink.DISCARD);

        assertThat(staged.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(staged.getError().getCode()).isEqualTo(ErrorCodes.INVALID_INPUT);
        assertThat(staged.getError()).isEqualTo(planned.getError());
        assertThat(staged.getError().getMessage()).contains("images[0]").contains("404");
    }

    @Test
    void cancellingARequestWhileItsImageIsFetchedInterruptsTheFetchAndAnswersNothing() throws Exception {
        // one stage thread: the next image request gets through only if the cancel freed it
        scheduler = new ServingScheduler(router, BatchBudgets.defaults(), new ImageStage.Settings(1, 64L << 20));
        RequestExecutor.Ticket slow = submit(choice("revoked", ImageInput.newBuilder().setUri(server.uri("/slow.png"))
                .build()));
        assertThat(server.awaitFetchStarted()).isTrue();

        slow.cancel(); // what the poll loop does when the request's partition is revoked
        submit(choice("next", ImageInput.newBuilder().setData(ByteBuffer.wrap(image)).build()));
        ScoringResult next = results.get("next").get(GUARD_S, TimeUnit.SECONDS);
        assertThat(next.getStatus()).as(String.valueOf(next.getError())).isEqualTo(ResultStatus.OK);
        assertThat(server.answered()).as("the cancelled fetch was still waiting on its server").isZero();

        server.answer(); // the server would answer now; nobody is listening any more
        submit(choice("after", ImageInput.newBuilder().setData(ByteBuffer.wrap(image)).build()));
        results.get("after").get(GUARD_S, TimeUnit.SECONDS);
        assertThat(answerOrder).containsExactly("next", "after");
        assertThat(results.get("revoked")).isNotDone();
        assertThat(scheduler.pending()).isZero();
        assertThat(scheduler.imageBytesHeld()).as("every prepared image's budget given back").isZero();
    }

    private RequestExecutor.Ticket submit(PromptRequest request) {
        CompletableFuture<ScoringResult> result = new CompletableFuture<>();
        results.put(request.getRequestId(), result);
        return scheduler.submit(item(request), TokenSink.DISCARD, r -> {
            answerOrder.add(r.getRequestId());
            result.complete(r);
        });
    }

    private static PromptRequest choice(String id, ImageInput image) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model.name()).setTask(Task.CHOICE)
                .setText(prompt.get("text").asText()).setChoices(List.of(" A", " B", " C", " D"))
                .setImages(List.of(image)).build();
    }

    private static PromptRequest generate(String id, int tokens) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model.name()).setTask(Task.GENERATE)
                .setText("The quick brown fox").setGeneration(GenerationParams.newBuilder().setMaxNewTokens(tokens)
                        .setIgnoreEos(true).build()).build();
    }

    private static double[] probabilities(ScoringResult r) {
        assertThat(r.getStatus()).as(String.valueOf(r.getError())).isEqualTo(ResultStatus.OK);
        return r.getChoice().getCandidates().stream().mapToDouble(c -> c.getProbability()).toArray();
    }

    private static WorkItem item(PromptRequest request) {
        long now = System.currentTimeMillis();
        return new WorkItem(request, now, now);
    }
}
