package io.logitstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A topology killed inside a transaction leaves it open, and every read_committed reader of the
 * partitions it wrote (the workers) waits until it ends. Restarted in the same state directory, the
 * topology has the same Kafka Streams process id (kept there because the dedupe store is
 * persistent), hence the same transactional id, and aborts that transaction as it starts; with a
 * new process id it would stay open until {@code transaction.timeout.ms}.
 *
 * <p>The dead incarnation is played by a producer under the topology's transactional id that opens
 * a transaction with a long timeout (60 s) and never ends it: what a {@code kill -9} leaves behind,
 * without a separate JVM.
 */
class RestartAbortsDeadTransactionTest {

    private static final String APPLICATION_ID = "restart-it";
    private static final Duration DEAD_TRANSACTION_TIMEOUT = Duration.ofSeconds(60);
    /** The restart's own start-up included; far below the dead transaction's timeout. */
    private static final Duration ABORTED_WITHIN = Duration.ofSeconds(20);

    private final Topics topics = Topics.defaults();

    @Test
    @Timeout(120)
    void aTopologyRestartedInItsStateDirectoryAbortsTheTransactionItsDeadSelfLeftOpen(@TempDir Path stateDir)
            throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start()) {
            TopologyConfig config = TopologyConfig.from(Map.of(
                    "bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", "http://localhost:1", // never asked: no record is routed here
                    "application.id", APPLICATION_ID,
                    "state.dir", stateDir.toString(),
                    TopologyConfig.MODELS_KEY, "m1"));
            String transactionalId;
            try (TopologyApp first = new TopologyApp(config).start()) {
                assertThat(first.awaitRunning(Duration.ofSeconds(60))).as("first start running").isTrue();
                transactionalId = single(topologyTransactions(kafka.admin(), null));
            }

            try (KafkaProducer<byte[], byte[]> dead = openTransaction(kafka.bootstrapServers(), transactionalId)) {
                assertThat(topologyTransactions(kafka.admin(), TransactionState.ONGOING))
                        .as("the dead incarnation's transaction is open").containsExactly(transactionalId);

                long restartedAt = System.nanoTime();
                try (TopologyApp second = new TopologyApp(config).start()) {
                    assertThat(second.awaitRunning(Duration.ofSeconds(60))).as("restart running").isTrue();
                    double abortedAfter = awaitNotOngoing(kafka.admin(), restartedAt);
                    System.out.printf("RESTART: the dead incarnation's transaction ended %.1f s after the restart%n",
                            abortedAfter);
                    assertThat(topologyTransactions(kafka.admin(), null))
                            .as("the restart reuses the transactional id (same process id) instead of a new one")
                            .containsExactly(transactionalId);
                }
                dead.close(Duration.ZERO);
            }
        }
    }

    /** A producer under {@code transactionalId} with a transaction open on a request topic, never ended. */
    private KafkaProducer<byte[], byte[]> openTransaction(String bootstrap, String transactionalId) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) DEAD_TRANSACTION_TIMEOUT.toMillis());
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topics.requestsFor("m1"), new byte[] {1})).get();
        return producer;
    }

    /** Seconds from {@code sinceNanos} until the topology has no transaction open; fails after {@link #ABORTED_WITHIN}. */
    private static double awaitNotOngoing(Admin admin, long sinceNanos) throws Exception {
        while (!topologyTransactions(admin, TransactionState.ONGOING).isEmpty()) {
            assertThat(System.nanoTime() - sinceNanos)
                    .as("the dead incarnation's transaction still open %s after the restart (its timeout is %s)",
                            ABORTED_WITHIN, DEAD_TRANSACTION_TIMEOUT)
                    .isLessThan(ABORTED_WITHIN.toNanos());
            Thread.sleep(50);
        }
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** The topology's transactional ids, in {@code state} (null: any). */
    private static List<String> topologyTransactions(Admin admin, TransactionState state) throws Exception {
        ListTransactionsOptions options = new ListTransactionsOptions();
        if (state != null) {
            options.filterStates(List.of(state));
        }
        return admin.listTransactions(options).all().get().stream().map(TransactionListing::transactionalId)
                .filter(id -> id.startsWith(APPLICATION_ID + "-")).sorted().toList();
    }

    private static String single(List<String> ids) {
        assertThat(ids).as("the topology's transactional ids").hasSize(1);
        return ids.get(0);
    }
}
