package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Out-of-order completion, exactly once, on a real broker: a long generation is first in its
 * partition and the SCOREs behind it finish first. Their results are published at once; the
 * group's committed offset stays at the generation, with the completed offsets beyond it in the
 * commit metadata. A worker that takes over then serves only the generation: the SCOREs are never
 * answered twice.
 */
class OutOfOrderCommitTest {
    static final String MODEL = EndToEndScenario.MODEL;
    static final int SCORES = 5;

    @Test
    void completedOffsetsBeyondTheHeadTravelInTheCommitAndAreSkippedByTheNextOwner() throws Exception {
        Topics topics = Topics.defaults();
        String requestTopic = topics.requestsFor(MODEL);
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start();
                LoadedModel model = ModelLoader.load(EndToEndScenario.MODEL_DIR)) {
            kafka.createTopics(1, requestTopic);
            Map<String, String> config = Map.of("logitstream.worker.revoke.wait.ms", "200");
            // The first worker's executor holds the generation's result back until the test says so.
            CountDownLatch release = new CountDownLatch(1);
            RequestExecutor holding = new HoldingExecutor(
                    new ServingScheduler(new TaskRouter(model, "first"), BatchBudgets.defaults()), "long", release);
            KafkaModelWorker first = new KafkaModelWorker(
                    WorkerSettings.of(kafka.bootstrapServers(), registry.url(), MODEL, "first", config), holding);
            Thread firstThread = new Thread(first, "first-worker");
            firstThread.start();

            AvroSerializer<PromptRequest> serializer =
                    new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
            try (KafkaProducer<String, byte[]> producer = EndToEndScenario.producer(kafka.bootstrapServers())) {
                send(producer, serializer, requestTopic, PromptRequest.newBuilder().setRequestId("long").setModel(MODEL)
                        .setTask(Task.GENERATE).setText("Once upon a time")
                        .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(16).build()).build());
                for (int i = 0; i < SCORES; i++) {
                    send(producer, serializer, requestTopic, PromptRequest.newBuilder().setRequestId("score-" + i)
                            .setModel(MODEL).setTask(Task.SCORE).setText("Hello world number " + i).build());
                }
            }
            EndToEndScenario.readUntil(kafka.bootstrapServers(), registry.url(), topics.results(), ScoringResult.class,
                    "read_committed", list -> list.size() >= SCORES);
            OffsetAndMetadata committed = committed(kafka, requestTopic);
            assertThat(committed.offset()).as("the head: the generation still in flight").isZero();
            assertThat(committed.metadata()).as("completed offsets 1..%d beyond the head", SCORES).isNotBlank();

            first.close(); // a revoke: the held generation is cancelled and left to the next owner
            firstThread.join(Duration.ofSeconds(30).toMillis());
            release.countDown();

            KafkaModelWorker second = new KafkaModelWorker(
                    WorkerSettings.of(kafka.bootstrapServers(), registry.url(), MODEL, "second", config),
                    new ServingScheduler(new TaskRouter(model, "second"), BatchBudgets.defaults()));
            Thread secondThread = new Thread(second, "second-worker");
            secondThread.start();
            try {
                List<ScoringResult> results = EndToEndScenario.readUntil(kafka.bootstrapServers(), registry.url(),
                        topics.results(), ScoringResult.class, "read_committed",
                        list -> list.stream().anyMatch(r -> r.getRequestId().equals("long")));
                assertThat(committed(kafka, requestTopic).offset()).isEqualTo(SCORES + 1);
                // everything the topic holds once more, now that the group is past every request
                results = EndToEndScenario.readUntil(kafka.bootstrapServers(), registry.url(), topics.results(),
                        ScoringResult.class, "read_committed", list -> list.size() >= SCORES + 1);
                Map<String, Long> perRequest = results.stream()
                        .collect(Collectors.groupingBy(ScoringResult::getRequestId, Collectors.counting()));
                assertThat(perRequest).hasSize(SCORES + 1).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
                assertThat(results).allSatisfy(r -> assertThat(r.getStatus()).isEqualTo(ResultStatus.OK));
                assertThat(results.stream().filter(r -> r.getRequestId().equals("long")).findFirst().orElseThrow()
                        .getProvenance().getWorkerId()).isEqualTo("second");
            } finally {
                second.close();
                secondThread.join(Duration.ofSeconds(30).toMillis());
            }
        }
    }

    private static OffsetAndMetadata committed(EmbeddedKafkaCluster kafka, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = kafka.admin()
                .listConsumerGroupOffsets("logitstream-worker." + MODEL).partitionsToOffsetAndMetadata().get();
        return offsets.get(new TopicPartition(topic, 0));
    }

    private static void send(KafkaProducer<String, byte[]> producer, AvroSerializer<PromptRequest> serializer,
            String topic, PromptRequest request) throws Exception {
        producer.send(new ProducerRecord<>(topic, request.getRequestId(), serializer.serialize(topic, request))).get();
    }

    /** Delivers every result at once except one request's, which waits for {@code release}. */
    private static final class HoldingExecutor implements RequestExecutor {
        private final RequestExecutor inner;
        private final String heldId;
        private final CountDownLatch release;

        HoldingExecutor(RequestExecutor inner, String heldId, CountDownLatch release) {
            this.inner = inner;
            this.heldId = heldId;
            this.release = release;
        }

        @Override
        public Ticket submit(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
            if (!item.request().getRequestId().equals(heldId)) {
                return inner.submit(item, tokens, onResult);
            }
            return inner.submit(item, tokens, result -> new Thread(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                onResult.accept(result);
            }, "held-result").start());
        }

        @Override
        public int pending() {
            return inner.pending();
        }

        @Override
        public String modelName() {
            return inner.modelName();
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
