package io.logitstream.worker.kafka;

import static io.logitstream.worker.kafka.WorkerHarness.partition;
import static io.logitstream.worker.kafka.WorkerHarness.requestRecord;
import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.registry.InMemorySchemaRegistryClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The worker on its own thread, as deployed: stopping cleanly, and stopping on a fatal error. */
class KafkaModelWorkerTest {

    private static final TopicPartition P0 = partition(0);

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final MockKafkaClients clients = new MockKafkaClients(registry);
    private final FakeExecutor executor = new FakeExecutor();

    @Test
    void closeFinishesWhatIsNearCommitsItCancelsTheRestAndClosesEverything() throws Exception {
        KafkaModelWorker worker = worker(Map.of(WorkerSettings.REVOKE_WAIT_KEY, "300"));
        assignWithRequests("near", "far");
        Thread thread = new Thread(worker, "worker-under-test");
        thread.start();
        awaitTrue(() -> executor.submitted().size() == 2);

        CompletableFuture.runAsync(() -> executor.complete("near"),
                CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
        worker.close();
        thread.join(5000);

        assertThat(thread.isAlive()).isFalse();
        assertThat(worker.failed()).isFalse();
        assertThat(clients.producer.history()).hasSize(1);
        assertThat(clients.producer.consumerGroupOffsetsHistory()).hasSize(1);
        assertThat(clients.producer.consumerGroupOffsetsHistory().get(0).values().iterator().next())
                .containsEntry(P0, new OffsetAndMetadata(1, ""));
        assertThat(executor.cancelled()).containsExactly("far");
        assertThat(executor.closed()).isTrue();
        assertThat(clients.consumer.closed()).isTrue();
        assertThat(clients.producer.closed()).isTrue();
        assertThat(clients.tokens.closed()).isTrue();
    }

    @Test
    void aFencedWorkerStopsCancelsItsWorkAndClosesItsClientsWithoutPublishing() throws Exception {
        KafkaModelWorker worker = worker(Map.of());
        assignWithRequests("a", "b");
        clients.consumer.schedulePollTask(() -> {
            clients.producer.fenceProducer(); // a newer incarnation with the same transactional id started
            executor.complete("a");
        });
        Thread thread = new Thread(worker, "worker-under-test");
        thread.start();
        thread.join(5000);

        assertThat(thread.isAlive()).isFalse();
        assertThat(worker.failed()).isTrue();
        assertThat(clients.producer.history()).isEmpty();
        assertThat(executor.cancelled()).containsExactly("b");
        assertThat(executor.closed()).isTrue();
        assertThat(clients.consumer.closed()).isTrue();
        assertThat(clients.producer.closed()).isTrue();
    }

    @Test
    void aWorkerClosedBeforeItRanClosesItsClients() {
        KafkaModelWorker worker = worker(Map.of());
        worker.close();
        worker.run();
        assertThat(clients.consumer.closed()).isTrue();
        assertThat(executor.closed()).isTrue();
    }

    private KafkaModelWorker worker(Map<String, String> config) {
        return new KafkaModelWorker(WorkerSettings.of("mock:9092", registry.url(), WorkerHarness.MODEL, "w1", config),
                executor, clients);
    }

    /** The group assigns P0, whose log holds these requests from offset 0. */
    private void assignWithRequests(String... requestIds) {
        clients.consumer.updateBeginningOffsets(Map.of(P0, 0L));
        clients.consumer.schedulePollTask(() -> {
            clients.consumer.rebalance(List.of(P0));
            for (int i = 0; i < requestIds.length; i++) {
                clients.consumer.addRecord(requestRecord(registry, P0, i, requestIds[i]));
            }
        });
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(10);
        }
    }
}
