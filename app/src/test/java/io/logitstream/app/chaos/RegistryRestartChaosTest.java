package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos (the {@code chaos} profile): the schema registry (persistent storage) is SIGKILLed under a
 * mixed load and started again on the same port while the topology and worker keep running;
 * requests keep arriving while it is down, and after the restart a fresh producer (no cached ids)
 * sends the rest. Every request must get exactly one OK result, and a fresh reader after the
 * restart must decode every answer written before and after it. See {@link FaultRun}.
 */
@Tag("chaos")
class RegistryRestartChaosTest {

    private static final String MODEL = "tiny-gpt2";
    private static final Path ROOT =
            Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();
    private static final int REQUESTS = 150;
    private static final Duration DEADLINE = Duration.ofSeconds(300);

    private final Topics topics = Topics.defaults();
    private SchemaRegistryProcess registry;

    @Test
    @Timeout(480)
    void everyRequestIsAnsweredOnceAndEveryAnswerStaysReadableAcrossARegistryKill() throws Exception {
        Path workDir = ChaosFiles.freshDirectory(Path.of("target", "chaos-registry").toAbsolutePath());
        registry = SchemaRegistryProcess.startPersistent(workDir.resolve("registry"));
        String url = registry.url();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                TopologyApp topology = new TopologyApp(ChaosTopology.config(kafka.bootstrapServers(), url,
                        "chaos-registry", workDir.resolve("streams"), MODEL)).start()) {
            assertThat(topology.awaitRunning(Duration.ofSeconds(90))).as("topology running").isTrue();
            try (AnswerLedger answers = new AnswerLedger(kafka.bootstrapServers(), url, topics.results(),
                    topics.deadLetters());
                    InProcessWorker worker = InProcessWorker.start(ROOT.resolve("fixtures/models/tiny-gpt2"), MODEL,
                            "chaos-worker", kafka.bootstrapServers(), url)) {
                FaultRun run = new FaultRun(kafka.bootstrapServers(), url, answers, DEADLINE, worker::serving);
                FaultRun.Outcome outcome = run.run(ChaosLoad.requests(MODEL, REQUESTS), registry::kill,
                        () -> registry = registry.startAgain());
                ChaosSummary.record("registry kill -9", outcome);

                assertThat(outcome.lost() + outcome.duplicated() + outcome.notOk())
                        .as("lost + duplicated + not OK: %s", outcome).isZero();
                RecoveryBound.assertHeld("registry kill -9", outcome, RecoveryBound.From.KILL);
                assertThat(worker.serving()).as("the worker survived the registry restart").isTrue();
                assertThat(freshReaderCount(kafka, url)).as("answers a fresh reader decodes")
                        .isEqualTo(answers.count());
            }
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
    }

    /** Reads both answer topics with a new registry client: ids written before the restart must still resolve. */
    private int freshReaderCount(EmbeddedKafkaCluster kafka, String url) {
        try (AnswerLedger fresh = new AnswerLedger(kafka.bootstrapServers(), url, topics.results(),
                topics.deadLetters())) {
            fresh.drainToCommittedEnd(Duration.ofSeconds(30));
            return fresh.count();
        }
    }
}
