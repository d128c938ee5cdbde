package io.logitstream.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.app.RequestSender;
import io.logitstream.contract.Topics;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.worker.kafka.WorkerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chaos: under a mixed load, the worker (a real separate JVM) is SIGKILLed twice and restarted
 * with the same worker id. Every request must still get exactly one committed result, all OK, and
 * every token stream, deduped on (request_id, seq), must rebuild its result's text.
 *
 * <p>Nothing here asserts on timing: the kills happen at result counts (about 20% and 60% in), and
 * every wait is for a condition, bounded only to fail instead of hanging. The worker gets
 * {@code session.timeout.ms=6000} through its {@code --config} file, so the group drops a killed
 * member after 6 s instead of the default 45 s.
 */
class WorkerCrashRecoveryTest {

    private static final String MODEL = "tiny-gpt2";
    private static final String WORKER_ID = "chaos-worker";
    private static final int REQUESTS = 120;
    private static final double[] KILL_AT = {0.2, 0.6};
    private static final Path ROOT =
            Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();
    /**
     * From sending the load to the last result, kills and restarts included. A guard against
     * hanging, not a performance bar: on two idle cores the results are in after about a minute,
     * but three cold worker JVMs on a machine shared with other builds can take much longer.
     */
    private static final Duration RESULTS_DEADLINE = Duration.ofSeconds(240);
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(10);
    /** JVM start and model load of a restarted worker, on a busy machine. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final int REQUEST_PARTITIONS = 3;

    /**
     * One kill and restart: when (epoch ms) it was killed, its successor was ready (model loaded) and
     * had every partition back, and the requests without a result at the kill.
     */
    private record Restart(long restartedAtNanos, long killedAtMs, long readyAtMs, long assignedAtMs,
            Set<String> waiting) {
    }

    private final Topics topics = Topics.defaults();
    private final List<MainProcess> incarnations = new ArrayList<>();

    @Test
    @Timeout(420)
    void everyRequestGetsExactlyOneResultAcrossTwoHardKills() throws Exception {
        Path workDir = ChaosFiles.freshDirectory(Path.of("target", "chaos").toAbsolutePath());
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            WorkerProcess.Launch launch = new WorkerProcess.Launch(ROOT.resolve("fixtures/models/tiny-gpt2"), MODEL,
                    WORKER_ID, kafka.bootstrapServers(), registry.url(), workerConfig(workDir), workDir);
            // The first worker JVM starts (slowly: JVM, DJL, model) while the topology starts here.
            MainProcess first = startIncarnation(launch);
            try (TopologyApp topology = new TopologyApp(topologyConfig(kafka, registry, workDir)).start();
                    OutputLedger ledger = new OutputLedger(kafka.bootstrapServers(), registry.url(),
                            topics.results(), topics.tokens())) {
                assertThat(topology.awaitRunning(Duration.ofSeconds(90))).as("topology running").isTrue();
                runAndVerify(kafka, registry, launch, ledger, first);
            } catch (Throwable failure) {
                incarnations.forEach(w -> System.err.printf("---- %s (tail)%n%s%n", w.logFile(), w.logTail()));
                throw failure;
            } finally {
                incarnations.forEach(MainProcess::close);
            }
        }
    }

    private void runAndVerify(EmbeddedKafkaCluster kafka, SchemaRegistryProcess registry, WorkerProcess.Launch launch,
            OutputLedger ledger, MainProcess first) throws Exception {
        MainProcess worker = first;
        List<PromptRequest> load = ChaosLoad.requests(MODEL, REQUESTS);
        long sentAt = System.nanoTime();
        try (RequestSender sender = new RequestSender(kafka.bootstrapServers(), registry.url(), topics.prompts())) {
            for (PromptRequest request : load) {
                sender.send(request);
            }
        }
        long deadline = sentAt + RESULTS_DEADLINE.toNanos();
        // Once the group has committed past every request no further result can come: the point
        // to stop waiting, whether every result is in or some are lost.
        WorkerGroupProgress progress = WorkerGroupProgress.of(kafka.admin(), kafka.bootstrapServers(),
                groupId(launch), topics.requestsFor(MODEL), ids(load), STEP_TIMEOUT);

        List<Integer> resultsAtKill = new ArrayList<>();
        List<Integer> streamsAtKill = new ArrayList<>();
        List<Restart> restarts = new ArrayList<>();
        for (double fraction : KILL_AT) {
            int threshold = (int) Math.ceil(fraction * REQUESTS);
            awaitResults(ledger, worker, threshold, deadline, progress);
            streamsAtKill.add(awaitGenerationsInFlight(ledger, REQUESTS));
            worker.killHard();
            long killedAtMs = System.currentTimeMillis();
            // Everything the dead incarnation committed is read now, so the first result read after
            // the restart is the new incarnation's: that is what the recovery time measures.
            ledger.drainToCommittedEnd(STEP_TIMEOUT);
            resultsAtKill.add(ledger.requestsWithResults());
            Set<String> waiting = new LinkedHashSet<>(ids(load));
            waiting.removeAll(ledger.resultsById().keySet());
            long restartedAtNanos = System.nanoTime();
            worker = startIncarnation(launch);
            // The model is loaded: what follows (joining the group, aborting the dead one's
            // transaction, reading the committed offsets) is the recovery the bound is about.
            long readyAtMs = worker.awaitLog("Loaded " + MODEL, READY_TIMEOUT);
            long assignedAtMs = readyAtMs;
            for (int p = 0; p < REQUEST_PARTITIONS; p++) {
                assignedAtMs = Math.max(assignedAtMs,
                        worker.awaitLog("Assigned " + topics.requestsFor(MODEL) + "-" + p + ":", READY_TIMEOUT));
            }
            restarts.add(new Restart(restartedAtNanos, killedAtMs, readyAtMs, assignedAtMs, waiting));
        }
        awaitResults(ledger, worker, REQUESTS, deadline, progress);
        double allResultsSeconds = (System.nanoTime() - sentAt) / 1e9;

        // No late duplicate can come once the group has committed past every request.
        boolean quiet = waitFor("the worker group to commit past every request", progress::allCommitted, worker);
        ledger.drainToCommittedEnd(STEP_TIMEOUT);
        Set<String> generateIds = load.stream().filter(r -> r.getTask() == Task.GENERATE)
                .map(PromptRequest::getRequestId).collect(Collectors.toCollection(LinkedHashSet::new));
        // Chunks travel outside the result transaction, so the last ones may land just after it.
        // What is still missing after the wait, verify() reports stream by stream.
        waitFor("complete token streams", () -> {
            ledger.poll(Duration.ofMillis(100));
            Map<String, TokenStreams.Stream> streams = TokenStreams.dedupe(ledger.chunks());
            return generateIds.stream().allMatch(id -> streams.containsKey(id) && streams.get(id).complete());
        }, worker);

        verify(load, ledger, generateIds, resultsAtKill, streamsAtKill, restarts, sentAt, allResultsSeconds);
        assertThat(quiet).as("the worker group committed past every request (%s)", progress.describe()).isTrue();
        assertThat(worker.isAlive()).as("the last incarnation is still serving; log %s", worker.logFile()).isTrue();
    }

    private void verify(List<PromptRequest> load, OutputLedger ledger, Set<String> generateIds,
            List<Integer> resultsAtKill, List<Integer> streamsAtKill, List<Restart> restarts, long sentAt,
            double allResultsSeconds) {
        List<Long> restartedAt = restarts.stream().map(Restart::restartedAtNanos).toList();
        Map<String, List<ScoringResult>> results = ledger.resultsById();
        List<String> lost = new ArrayList<>();
        Map<String, Integer> duplicated = new HashMap<>();
        for (PromptRequest request : load) {
            int count = results.getOrDefault(request.getRequestId(), List.of()).size();
            if (count == 0) {
                lost.add(request.getRequestId());
            } else if (count > 1) {
                duplicated.put(request.getRequestId(), count);
            }
        }
        Set<String> unexpected = new LinkedHashSet<>(results.keySet());
        unexpected.removeAll(ids(load));
        List<String> notOk = results.values().stream().flatMap(List::stream)
                .filter(r -> r.getStatus() != ResultStatus.OK)
                .map(r -> r.getRequestId() + ": " + r.getError()).toList();

        Map<String, TokenStreams.Stream> streams = TokenStreams.dedupe(ledger.chunks());
        Map<String, String> badStreams = new HashMap<>();
        for (String id : generateIds) {
            List<ScoringResult> forId = results.get(id);
            if (forId != null && forId.get(0).getGeneration() != null) {
                String problem = TokenStreams.problem(streams.get(id), forId.get(0).getGeneration());
                if (problem != null) {
                    badStreams.put(id, problem);
                }
            }
        }
        int resentChunks = streams.values().stream().mapToInt(TokenStreams.Stream::duplicates).sum();

        // "none": everything was in before that kill (a worker fast enough to finish first); the
        // lost count, not this, is what says whether the restarted worker picked up the rest.
        List<String> recovery = restartedAt.stream().map(t -> ledger.firstResultArrivalAfter(t).stream()
                .mapToObj(arrival -> String.format("%.1f", (arrival - t) / 1e9)).findFirst().orElse("none")).toList();
        int duplicates = duplicated.values().stream().mapToInt(n -> n - 1).sum();
        System.out.printf("CHAOS SUMMARY: requests=%d (SCORE/GENERATE/CHOICE %d/%d/%d), lost=%d, duplicated=%d,"
                + " not_ok=%d, bad_streams=%d, kills=%d at results %s with generations in flight %s, recovery_s=%s"
                + " (restart to next committed result), resent_chunks=%d, all_results_s=%.1f%n",
                load.size(), count(load, Task.SCORE), count(load, Task.GENERATE), count(load, Task.CHOICE),
                lost.size(), duplicates, notOk.size(), badStreams.size(), restartedAt.size(), resultsAtKill,
                streamsAtKill, recovery, resentChunks, allResultsSeconds);

        System.out.printf("CHAOS SUMMARY: longest gap between results %s%n",
                FaultRun.longestGap(millis(ledger.resultArrivals()), sentAt / 1_000_000));
        // The table's recovery for this scenario: the slower of the two restarts.
        OptionalDouble slowestRecovery = restartedAt.stream().flatMapToDouble(t -> ledger.firstResultArrivalAfter(t)
                .stream().mapToDouble(arrival -> (arrival - t) / 1e9)).max();
        // Served again: the restarted worker owns every partition again (it read their committed
        // offsets) and has started computing. Which waiting request starts first, per partition, is
        // printed too: behind a backlog larger than the in-flight budget a partition can wait for
        // room; the worker is then busy, not down, so the bound is not about that.
        List<String> perKill = new ArrayList<>();
        OptionalDouble fromKill = OptionalDouble.of(0);
        OptionalDouble fromReady = OptionalDouble.of(0);
        for (int i = 0; i < restarts.size(); i++) {
            Restart r = restarts.get(i);
            PartitionRecovery started = PartitionRecovery.of(r.waiting(),
                    id -> PartitionRecovery.partitionOf(id, REQUEST_PARTITIONS), ledger::startedAtMs);
            OptionalLong firstStart = r.waiting().stream().map(ledger::startedAtMs).filter(OptionalLong::isPresent)
                    .mapToLong(OptionalLong::getAsLong).min();
            String line = String.format("kill %d: model loaded %.1f s after the kill; from the restarted worker being"
                    + " ready: every partition taken back %.1f s, first request started %s, first request started"
                    + " per partition %s", i + 1, (r.readyAtMs() - r.killedAtMs()) / 1e3,
                    (r.assignedAtMs() - r.readyAtMs()) / 1e3, firstStart.isPresent()
                            ? String.format("%.1f s", (firstStart.getAsLong() - r.readyAtMs()) / 1e3) : "never",
                    started.describeFrom(r.readyAtMs()));
            System.out.println("CHAOS SUMMARY: " + line);
            perKill.add(line);
            if (r.waiting().isEmpty()) {
                continue; // all answered before this kill: nothing to serve again
            }
            if (firstStart.isEmpty() || fromKill.isEmpty()) {
                fromKill = OptionalDouble.empty();
                fromReady = OptionalDouble.empty();
                continue;
            }
            long servedAt = Math.max(r.assignedAtMs(), firstStart.getAsLong());
            fromKill = OptionalDouble.of(Math.max(fromKill.getAsDouble(), (servedAt - r.killedAtMs()) / 1e3));
            fromReady = OptionalDouble.of(Math.max(fromReady.getAsDouble(), (servedAt - r.readyAtMs()) / 1e3));
        }
        FaultRun.Outcome outcome = new FaultRun.Outcome(load.size(), lost.size(), duplicates, notOk.size(),
                FaultRun.stalls(millis(ledger.resultArrivals())), slowestRecovery, fromKill, fromReady,
                String.join("; ", perKill), allResultsSeconds);
        ChaosSummary.record("worker kill -9 x2", outcome);

        assertThat(lost.size() + duplicates + unexpected.size())
                .as("exactly one result per request: lost %d %s, duplicated %d %s, unexpected %s", lost.size(), lost,
                        duplicates, duplicated, unexpected)
                .isZero();
        assertThat(notOk).as("results that are not OK").isEmpty();
        assertThat(badStreams).as("token streams that do not rebuild their result (deduped on request_id, seq)")
                .isEmpty();
        RecoveryBound.assertHeld("worker kill -9 x2", outcome, RecoveryBound.From.RESTART);
    }

    private MainProcess startIncarnation(WorkerProcess.Launch launch) {
        MainProcess worker = WorkerProcess.start(launch, incarnations.size() + 1);
        incarnations.add(worker);
        return worker;
    }

    /**
     * Polls results until {@code count} requests have one, or until the group has committed past
     * every request (then the missing ones are lost, and verify() names them). Fails early if the
     * worker died.
     */
    private static void awaitResults(OutputLedger ledger, MainProcess worker, int count, long deadlineNanos,
            WorkerGroupProgress progress) {
        long nextProgressCheck = System.nanoTime();
        while (ledger.requestsWithResults() < count) {
            assertThat(worker.isAlive()).as("worker alive while waiting for %d results (have %d); log %s:%n%s",
                    count, ledger.requestsWithResults(), worker.logFile(), worker.logTail()).isTrue();
            assertThat(System.nanoTime()).as("%d of %d results within %s", ledger.requestsWithResults(), count,
                    RESULTS_DEADLINE).isLessThan(deadlineNanos);
            if (System.nanoTime() >= nextProgressCheck) { // an admin round trip: once a second is enough
                if (progress.allCommitted()) {
                    return;
                }
                nextProgressCheck = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            }
            ledger.poll(Duration.ofMillis(100));
        }
    }

    /**
     * Results become visible only at transaction commits, so the moment a result count is reached
     * is the start of a fresh batch. Waiting until some generation has streamed tokens without a
     * result yet makes the kill land mid-computation, where a retry must re-send chunks. Not an
     * assertion: should no generation be seen in flight within a few seconds, the kill goes ahead.
     */
    private static int awaitGenerationsInFlight(OutputLedger ledger, int requests) {
        long until = System.nanoTime() + IN_FLIGHT_WAIT.toNanos();
        while (ledger.streamsWithoutResult() == 0 && ledger.requestsWithResults() < requests
                && System.nanoTime() < until) {
            ledger.poll(Duration.ofMillis(50));
        }
        return ledger.streamsWithoutResult();
    }

    /** Waits up to {@link #STEP_TIMEOUT} for {@code condition}; says whether it came. Fails if the worker died. */
    private static boolean waitFor(String what, BooleanSupplier condition, MainProcess worker)
            throws InterruptedException {
        long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(worker.isAlive()).as("worker alive while waiting for %s; log %s:%n%s", what,
                    worker.logFile(), worker.logTail()).isTrue();
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    private static TopologyConfig topologyConfig(EmbeddedKafkaCluster kafka, SchemaRegistryProcess registry,
            Path workDir) throws IOException {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("schema.registry.url", registry.url());
        settings.put("application.id", "chaos-" + UUID.randomUUID());
        settings.put("state.dir", Files.createDirectories(workDir.resolve("streams")).toString());
        settings.put("commit.interval.ms", "50");
        settings.put(TopologyConfig.MODELS_KEY, MODEL);
        settings.put(TopologyConfig.REQUEST_PARTITIONS_KEY, "3");
        return TopologyConfig.from(settings);
    }

    /** Kafka client settings for the worker: a killed member leaves the group after 6 s, not 45 s. */
    private static Path workerConfig(Path workDir) throws IOException {
        return Files.writeString(workDir.resolve("worker.properties"), String.join("\n",
                "session.timeout.ms=6000",
                "heartbeat.interval.ms=1000",
                ""));
    }

    private static String groupId(WorkerProcess.Launch launch) {
        return WorkerSettings.of(launch.bootstrap(), launch.registryUrl(), launch.modelName(), launch.workerId(),
                Map.of()).groupId();
    }

    private static Set<String> ids(List<PromptRequest> load) {
        return load.stream().map(PromptRequest::getRequestId).collect(Collectors.toSet());
    }

    /** System.nanoTime values as milliseconds (the same arbitrary origin), for FaultRun's gap measures. */
    private static List<Long> millis(List<Long> nanos) {
        return nanos.stream().map(n -> n / 1_000_000).toList();
    }

    private static long count(List<PromptRequest> load, Task task) {
        return load.stream().filter(r -> r.getTask() == task).count();
    }
}
