package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos (the {@code chaos} profile): the broker is stopped under a mixed load, while requests
 * arrive, and started again on the same port with the same log directories (topics, committed
 * offsets, transaction state read back from disk); the topology and the worker keep running
 * throughout and must ride it out on their own (reconnects, retried or aborted transactions,
 * coordinators that load again). Every request must get exactly one OK result. See {@link FaultRun}.
 *
 * <p>The in-process broker cannot die the way a process does ({@code kill -9}); this is the
 * operator's restart: a controlled shutdown and a start. Its own downtime (about 10 s: a restarted
 * broker registers with the controller again once its old session, 9 s by default, has ended) is
 * the operator's, so the recovery bound is counted from the broker being back.
 */
@Tag("chaos")
class BrokerRestartChaosTest {

    private static final String MODEL = "tiny-gpt2";
    private static final Path ROOT =
            Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();
    private static final int REQUESTS = 150;
    /** A guard against hanging on a shared machine, not a performance bar. */
    private static final Duration DEADLINE = Duration.ofSeconds(300);

    private final Topics topics = Topics.defaults();

    @Test
    @Timeout(480)
    void everyRequestIsAnsweredOnceAcrossABrokerRestart() throws Exception {
        Path workDir = ChaosFiles.freshDirectory(Path.of("target", "chaos-broker").toAbsolutePath());
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start();
                TopologyApp topology = new TopologyApp(ChaosTopology.config(kafka.bootstrapServers(), registry.url(),
                        "chaos-broker", workDir.resolve("streams"), MODEL)).start()) {
            assertThat(topology.awaitRunning(Duration.ofSeconds(90))).as("topology running").isTrue();
            try (AnswerLedger answers = new AnswerLedger(kafka.bootstrapServers(), registry.url(), topics.results(),
                    topics.deadLetters());
                    InProcessWorker worker = InProcessWorker.start(ROOT.resolve("fixtures/models/tiny-gpt2"), MODEL,
                            "chaos-worker", kafka.bootstrapServers(), registry.url())) {
                FaultRun run = new FaultRun(kafka.bootstrapServers(), registry.url(), answers, DEADLINE,
                        () -> worker.serving() && alive(topology));
                FaultRun.Outcome outcome = run.run(ChaosLoad.requests(MODEL, REQUESTS), kafka::stopBroker,
                        kafka::startBroker);
                ChaosSummary.record("broker restart", outcome);

                assertThat(outcome.lost() + outcome.duplicated() + outcome.notOk())
                        .as("lost + duplicated + not OK: %s", outcome).isZero();
                RecoveryBound.assertHeld("broker restart", outcome, RecoveryBound.From.RESTART);
                assertThat(worker.serving()).as("the worker survived the broker restart").isTrue();
                assertThat(alive(topology)).as("the topology survived the broker restart (state %s)",
                        topology.state()).isTrue();
            }
        }
    }

    private static boolean alive(TopologyApp topology) {
        return topology.state() != KafkaStreams.State.ERROR && topology.state() != KafkaStreams.State.NOT_RUNNING
                && topology.state() != KafkaStreams.State.PENDING_ERROR;
    }
}
