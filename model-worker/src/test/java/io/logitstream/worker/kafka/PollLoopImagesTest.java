package io.logitstream.worker.kafka;

import static io.logitstream.worker.kafka.WorkerHarness.partition;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.SlowImageServer;
import io.logitstream.worker.task.TaskRouter;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The poll loop over the real serving scheduler with a vision-language model: a request whose
 * image is being fetched is in flight from poll to result (its offset is not committed, the
 * requests after it are), and a revoke cancels the fetch, publishes nothing for it and leaves it
 * to the partition's next owner.
 */
class PollLoopImagesTest {
    private static final TopicPartition P0 = partition(0);
    private static final TopicPartition P1 = partition(1);
    private static final long GUARD_MS = 120_000;
    private static LoadedModel model;
    private static byte[] image;
    private static String text;

    @BeforeAll
    static void load() throws Exception {
        model = TestModels.model("tiny-internvl");
        JsonNode prompt = TestModels.golden("tiny-internvl").get("prompts").get(0);
        image = Files.readAllBytes(TestModels.root().resolve(prompt.get("image").asText()));
        text = prompt.get("text").asText();
    }

    @Test
    void aRequestWaitingOnItsImageHoldsItsOffsetAndARevokeCancelsTheFetch() throws Exception {
        try (SlowImageServer server = new SlowImageServer(image);
                ServingScheduler scheduler = new ServingScheduler(new TaskRouter(model, "w1"),
                        BatchBudgets.defaults())) {
            WorkerHarness h = new WorkerHarness(Map.of(WorkerSettings.REVOKE_WAIT_KEY, "200"),
                    new InMemorySchemaRegistryClient(), scheduler).start(P0, P1);
            h.request(P0, 0, withImage("slow", server.uri("/slow.png")));
            h.request(P0, 1, score("p0-text"));
            h.request(P1, 0, score("p1-text"));
            h.poll();
            assertThat(server.awaitFetchStarted()).isTrue();

            pollUntil(h, () -> h.publishedResults().size() == 2);
            assertThat(h.publishedResults()).containsExactlyInAnyOrder("p0-text", "p1-text");
            assertThat(server.answered()).isZero();
            OffsetAndMetadata held = h.committed(P0);
            assertThat(held.offset()).as("the request being fetched holds its offset").isZero();
            assertThat(h.completedBeyond(held)).containsExactly(1L);

            h.consumer.schedulePollTask(() -> h.consumer.rebalance(List.of(P1)));
            h.poll();
            assertThat(scheduler.pending()).as("the revoke cancelled the fetch").isZero();

            server.answer(); // too late: whatever the cancelled fetch gets now is dropped
            h.request(P1, 1, withImage("after", server.uri("/slow.png")));
            pollUntil(h, () -> h.publishedResults().contains("after"));
            assertThat(h.publishedResults()).containsExactlyInAnyOrder("p0-text", "p1-text", "after");
            assertThat(h.committed(P0)).isEqualTo(held);

            // P0's next owner (or this worker restarted) serves the image request again, and only it
            WorkerHarness next = new WorkerHarness(Map.of(), h.registry);
            next.request(P0, 0, withImage("slow", server.uri("/slow.png")));
            next.request(P0, 1, score("p0-text"));
            next.start(Map.of(P0, held), P0);
            next.poll();
            assertThat(next.executor.submitted()).containsExactly("slow");
        }
    }

    private static void pollUntil(WorkerHarness h, BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + GUARD_MS;
        while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
            h.poll();
            Thread.sleep(5);
        }
        assertThat(done.getAsBoolean()).as("reached within the guard time").isTrue();
    }

    private static PromptRequest withImage(String id, String uri) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model.name()).setTask(Task.CHOICE)
                .setText(text).setChoices(List.of(" A", " B", " C", " D"))
                .setImages(List.of(ImageInput.newBuilder().setUri(uri).build())).build();
    }

    private static PromptRequest score(String id) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model.name()).setTask(Task.SCORE)
                .setText("hello " + id).build();
    }
}
