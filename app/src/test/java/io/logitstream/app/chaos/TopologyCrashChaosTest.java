package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos (the {@code chaos} profile): the topology, a separate JVM, is SIGKILLed under a mixed load
 * and started again with the same application id and state directory; requests keep arriving
 * while it is down. Every request must get exactly one OK result. See {@link FaultRun} for the
 * numbers of the summary row.
 */
@Tag("chaos")
class TopologyCrashChaosTest {

    private static final String MODEL = "tiny-gpt2";
    private static final Path ROOT =
            Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();
    private static final int REQUESTS = 150;
    /** A guard against hanging on a shared machine, not a performance bar. */
    private static final Duration DEADLINE = Duration.ofSeconds(300);

    private final Topics topics = Topics.defaults();
    private final List<MainProcess> incarnations = new ArrayList<>();

    @Test
    @Timeout(480)
    void everyRequestIsAnsweredOnceAcrossATopologyKill() throws Exception {
        Path workDir = ChaosFiles.freshDirectory(Path.of("target", "chaos-topology").toAbsolutePath());
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            TopologyProcess.Launch launch = new TopologyProcess.Launch(kafka.bootstrapServers(), registry.url(), MODEL,
                    ChaosTopology.writeProperties(workDir.resolve("topology.properties"), "chaos-topology",
                            workDir.resolve("streams"), MODEL), workDir);
            startIncarnation(launch);
            try (AnswerLedger answers = new AnswerLedger(kafka.bootstrapServers(), registry.url(), topics.results(),
                    topics.deadLetters());
                    InProcessWorker worker = InProcessWorker.start(ROOT.resolve("fixtures/models/tiny-gpt2"), MODEL,
                            "chaos-worker", kafka.bootstrapServers(), registry.url())) {
                FaultRun run = new FaultRun(kafka.bootstrapServers(), registry.url(), answers, DEADLINE,
                        () -> worker.serving() && current().isAlive());
                FaultRun.Outcome outcome = run.run(ChaosLoad.requests(MODEL, REQUESTS),
                        () -> current().killHard(), () -> startIncarnation(launch));
                ChaosSummary.record("topology kill -9", outcome);

                assertThat(current().isAlive()).as("the restarted topology runs; log %s", current().logFile())
                        .isTrue();
                assertThat(outcome.lost() + outcome.duplicated() + outcome.notOk())
                        .as("lost + duplicated + not OK: %s", outcome).isZero();
            } catch (Throwable failure) {
                incarnations.forEach(t -> System.err.printf("---- %s (tail)%n%s%n", t.logFile(), t.logTail()));
                throw failure;
            } finally {
                incarnations.forEach(MainProcess::close);
            }
        }
    }

    private void startIncarnation(TopologyProcess.Launch launch) {
        incarnations.add(TopologyProcess.start(launch, incarnations.size() + 1));
    }

    private MainProcess current() {
        return incarnations.get(incarnations.size() - 1);
    }
}
