package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos (the {@code chaos} profile): the topology, a separate JVM, is SIGKILLed under a mixed load
 * and started again with the same application id and state directory; requests keep arriving
 * while it is down. Every request must get exactly one OK result. See {@link FaultRun} for the
 * numbers of the summary row.
 *
 * <p>The kill waits until the topology has a transaction open (requests arrive every 20 ms and it
 * commits every second), which its dead self leaves behind: the restarted topology must abort it as
 * it starts, or the worker (a read_committed reader of the request topic) waits for the
 * coordinator to time it out. The test prints whether the kill left one open.
 */
@Tag("chaos")
class TopologyCrashChaosTest {

    private static final String MODEL = "tiny-gpt2";
    private static final Path ROOT =
            Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();
    private static final int REQUESTS = 150;
    /** A guard against hanging on a shared machine, not a performance bar. */
    private static final Duration DEADLINE = Duration.ofSeconds(300);
    private static final String APPLICATION_ID = "chaos-topology";
    private static final Duration OPEN_TRANSACTION_WAIT = Duration.ofSeconds(5);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Topics topics = Topics.defaults();
    private final List<MainProcess> incarnations = new ArrayList<>();
    private long killedAtMs;
    private long readyAtMs;
    private List<String> leftOpen = List.of();
    private CompletableFuture<OptionalLong> deadTransactionEnded;

    @Test
    @Timeout(480)
    void everyRequestIsAnsweredOnceAcrossATopologyKill() throws Exception {
        Path workDir = ChaosFiles.freshDirectory(Path.of("target", "chaos-topology").toAbsolutePath());
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            Map<String, String> settings = ChaosTopology.settings(APPLICATION_ID, workDir.resolve("streams"), MODEL);
            // Transactions of a second (Kafka Streams' exactly-once default is 100 ms) keep one open
            // from the check to the kill: a 50 ms one could end in between (it did in one run of six).
            settings.put("commit.interval.ms", "1000");
            TopologyProcess.Launch launch = new TopologyProcess.Launch(kafka.bootstrapServers(), registry.url(), MODEL,
                    ChaosTopology.writeProperties(workDir.resolve("topology.properties"), settings), workDir);
            startIncarnation(launch);
            try (AnswerLedger answers = new AnswerLedger(kafka.bootstrapServers(), registry.url(), topics.results(),
                    topics.deadLetters());
                    InProcessWorker worker = InProcessWorker.start(ROOT.resolve("fixtures/models/tiny-gpt2"), MODEL,
                            "chaos-worker", kafka.bootstrapServers(), registry.url())) {
                FaultRun run = new FaultRun(kafka.bootstrapServers(), registry.url(), answers, DEADLINE,
                        () -> worker.serving() && current().isAlive());
                OpenTransactions open = new OpenTransactions(kafka.admin(), APPLICATION_ID + "-");
                FaultRun.Outcome outcome = run.run(ChaosLoad.requests(MODEL, REQUESTS),
                        () -> killMidTransaction(open), () -> restart(launch));
                ChaosSummary.record("topology kill -9", outcome);
                reportDeadTransaction();

                assertThat(current().isAlive()).as("the restarted topology runs; log %s", current().logFile())
                        .isTrue();
                assertThat(outcome.lost() + outcome.duplicated() + outcome.notOk())
                        .as("lost + duplicated + not OK: %s", outcome).isZero();
                RecoveryBound.assertHeld("topology kill -9", outcome, RecoveryBound.From.RESTART);
            } catch (Throwable failure) {
                incarnations.forEach(t -> System.err.printf("---- %s (tail)%n%s%n", t.logFile(), t.logTail()));
                throw failure;
            } finally {
                incarnations.forEach(MainProcess::close);
            }
        }
    }

    /**
     * Kills the topology once it has a transaction open, and watches what it left open until that
     * ends: aborted by the restarted topology (same transactional id) or by the coordinator's timeout.
     */
    private void killMidTransaction(OpenTransactions open) throws InterruptedException {
        boolean seen = open.awaitOngoing(OPEN_TRANSACTION_WAIT);
        current().killHard();
        killedAtMs = System.currentTimeMillis();
        leftOpen = open.ongoing();
        System.out.printf("TOPOLOGY KILL: transaction open before the kill: %s; left open by the dead topology: %s%n",
                seen, leftOpen);
        deadTransactionEnded = CompletableFuture.supplyAsync(() -> {
            try {
                return open.awaitEnded(leftOpen, DEADLINE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return OptionalLong.empty();
            }
        });
    }

    /** When the dead topology's open transaction ended, relative to the kill and to the restart being ready. */
    private void reportDeadTransaction() throws Exception {
        if (leftOpen.isEmpty()) {
            System.out.println("TOPOLOGY KILL: the kill fell between two transactions");
            return;
        }
        OptionalLong ended = deadTransactionEnded.get();
        System.out.printf("TOPOLOGY KILL: the dead topology's transaction ended %s after the kill, %s after the"
                + " restarted topology was ready%n", since(ended, killedAtMs), since(ended, readyAtMs));
    }

    private static String since(OptionalLong ended, long fromMs) {
        return ended.isPresent() ? String.format("%.1f s", (ended.getAsLong() - fromMs) / 1e3) : "never";
    }

    private void startIncarnation(TopologyProcess.Launch launch) {
        incarnations.add(TopologyProcess.start(launch, incarnations.size() + 1));
    }

    /**
     * Starts the next incarnation and returns once it is ready to join its group (JVM started, topics
     * checked): the restart from which every partition must be served again within the bound.
     */
    private void restart(TopologyProcess.Launch launch) throws InterruptedException {
        startIncarnation(launch);
        readyAtMs = current().awaitLog("Starting topology", READY_TIMEOUT);
    }

    private MainProcess current() {
        return incarnations.get(incarnations.size() - 1);
    }
}
