package io.logitstream.app.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.app.KafkaEndpoint;
import io.logitstream.app.RequestSender;
import io.logitstream.contract.Topics;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.Task;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker (while requests are in flight), then a topology (with requests queued), each its own JVM,
 * is killed with SIGKILL and restarted under the same identity. Every partition must be served again within
 * {@link #GOAL} of the restarted process being ready to join its group (JVM started, model loaded or
 * topics checked), and every request
 * answered exactly once. The killed process' session timeout is set to 45 s, so only static
 * membership can explain a fast return; the process' own start-up time is reported, not asserted.
 */
class CrashRecoveryTest {

    private static final String MODEL = "tiny-gpt2";
    private static final int PARTITIONS = 3;
    private static final Duration GOAL = Duration.ofSeconds(10);
    private static final Duration START = Duration.ofSeconds(180);
    private static final Path ROOT =
            Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();

    private final Topics topics = Topics.defaults();

    @Test
    @Timeout(420)
    void aWorkerRestartedUnderItsIdServesEveryPartitionAgainWithinSeconds() throws Exception {
        Path dir = freshDirectory("worker");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            KafkaEndpoint endpoint = KafkaEndpoint.plain(kafka.bootstrapServers(), registry.url());
            List<String> worker = List.of("worker", "--model", ROOT.resolve("fixtures/models/" + MODEL).toString(),
                    "--model-name", MODEL, "--worker-id", "recovery-worker",
                    "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", registry.url(),
                    "--config", longSession(dir).toString());
            createTopics(kafka);
            Map<String, String> settings = topologySettings(kafka, registry, dir);
            try (TopologyApp topology = new TopologyApp(TopologyConfig.from(settings)).start();
                    ResultLog results = new ResultLog(endpoint, topics);
                    RequestSender sender = new RequestSender(kafka.bootstrapServers(), registry.url(),
                            topics.prompts())) {
                assertThat(topology.awaitRunning(Duration.ofSeconds(90))).as("topology running").isTrue();
                Measured measured = killAndRestart(sender, results, worker, dir, "worker", "Loaded " + MODEL, true);
                measured.report("worker");
                measured.assertRecovered();
            }
        }
    }

    @Test
    @Timeout(420)
    void aTopologyRestartedInItsStateDirectoryRoutesEveryPartitionAgainWithinSeconds() throws Exception {
        Path dir = freshDirectory("topology");
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start();
                LoadedModel model = ModelLoader.load(ROOT.resolve("fixtures/models/" + MODEL))) {
            KafkaEndpoint endpoint = KafkaEndpoint.plain(kafka.bootstrapServers(), registry.url());
            // No --instance-id: the default (host and state directory) must be stable across restarts.
            List<String> topology = List.of("topology", "--models", MODEL,
                    "--state-dir", dir.resolve("streams").toString(),
                    "--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", registry.url(),
                    "--config", longSession(dir).toString());
            KafkaModelWorker worker = new KafkaModelWorker(
                    WorkerSettings.of(kafka.bootstrapServers(), registry.url(), MODEL, "in-process", Map.of()),
                    new ServingScheduler(new TaskRouter(model, "in-process"), BatchBudgets.defaults()));
            createTopics(kafka);
            Thread workerThread = new Thread(worker, "in-process-worker");
            workerThread.start();
            try (ResultLog results = new ResultLog(endpoint, topics);
                    RequestSender sender = new RequestSender(kafka.bootstrapServers(), registry.url(),
                            topics.prompts())) {
                // "Starting topology" is logged before it joins the group: joining is what is measured. The
                // kill lands between two transactions (see killAndRestart).
                Measured measured = killAndRestart(sender, results, topology, dir, "topology",
                        "Starting topology", false);
                measured.report("topology");
                measured.assertRecovered();
            } finally {
                worker.close();
                workerThread.join(30_000);
            }
        }
    }

    /**
     * Starts the process, waits until it serves every partition, sends a batch and kills it at once
     * ({@code midFlight}) or kills it and then sends the batch, restarts it, waits until it is
     * {@code ready}, sends another batch and waits for both.
     *
     * <p>The topology is killed between transactions here; a kill inside one is the chaos suite's
     * {@code TopologyCrashChaosTest} (a restarted topology keeps its Kafka Streams process id, hence
     * its transactional id, and aborts what its dead self left open, as a worker does under its
     * worker id).
     */
    private Measured killAndRestart(RequestSender sender, ResultLog results, List<String> args, Path dir,
            String name, String ready, boolean midFlight) throws Exception {
        try (LogitstreamProcess first = LogitstreamProcess.start(args, dir.resolve(name + "-1.log"))) {
            long deadline = System.nanoTime() + START.toNanos();
            first.awaitLog(ready, deadline);
            Map<String, Integer> warm = send(sender, "warm", 2);
            results.await(warm.keySet(), deadline, first);
            Map<String, Integer> inFlight;
            if (midFlight) {
                inFlight = send(sender, "in-flight", 2);
                first.killHard();
            } else {
                first.killHard();
                inFlight = send(sender, "queued", 2);
            }
            long restartedAt = System.nanoTime();
            try (LogitstreamProcess second = LogitstreamProcess.start(args, dir.resolve(name + "-2.log"))) {
                long readyAt = second.awaitLog(ready, restartedAt + START.toNanos());
                Map<String, Integer> after = send(sender, "after", 1);
                Map<String, Integer> all = new HashMap<>(inFlight);
                all.putAll(after);
                results.await(all.keySet(), readyAt + Duration.ofSeconds(60).toNanos(), second);
                Thread.sleep(500); // a duplicate would show up by now
                return new Measured(results, all, after, restartedAt, readyAt);
            }
        }
    }

    /** {@code perPartition} SCORE requests for each partition of the request topic; id -> partition. */
    private Map<String, Integer> send(RequestSender sender, String prefix, int perPartition) throws Exception {
        Map<String, Integer> ids = new TreeMap<>();
        int[] counts = new int[PARTITIONS];
        for (int i = 0; ids.size() < PARTITIONS * perPartition; i++) {
            String id = prefix + "-" + i;
            int partition = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            if (counts[partition] < perPartition) {
                counts[partition]++;
                ids.put(id, partition);
            }
        }
        for (String id : ids.keySet()) {
            sender.send(PromptRequest.newBuilder().setRequestId(id).setModel(MODEL).setTask(Task.SCORE)
                    .setText("Recovery is measured in seconds.").build());
        }
        return ids;
    }

    /** What one kill and restart gave. */
    private record Measured(ResultLog results, Map<String, Integer> answered, Map<String, Integer> sentWhenReady,
            long restartedAt, long readyAt) {

        /**
         * Per partition: seconds from the restarted process being ready to the result of the request
         * sent to that partition at that moment (through the topology: a few hundred ms of it).
         */
        Map<Integer, Double> servedAfterReady() {
            Map<Integer, Double> out = new TreeMap<>();
            sentWhenReady.forEach((id, partition) -> out.merge(partition,
                    (results.arrival(id) - readyAt) / 1e9, Math::min));
            return out;
        }

        void report(String name) {
            long firstAfterRestart = answered.keySet().stream().mapToLong(results::arrival)
                    .filter(arrival -> arrival > restartedAt).min().orElse(readyAt);
            System.out.printf("RECOVERY %s: restart -> ready %.1f s; ready -> first result per partition %s s;"
                    + " restart -> first result %.1f s%n", name, (readyAt - restartedAt) / 1e9, servedAfterReady(),
                    (firstAfterRestart - restartedAt) / 1e9);
        }

        void assertRecovered() {
            List<String> notExactlyOnceOk = new ArrayList<>();
            answered.keySet().forEach(id -> {
                if (results.count(id) != 1 || results.status(id) != ResultStatus.OK) {
                    notExactlyOnceOk.add(id + " x" + results.count(id) + " " + results.status(id));
                }
            });
            assertThat(notExactlyOnceOk).as("requests without exactly one OK result").isEmpty();
            assertThat(servedAfterReady()).as("every partition served within %s of being ready", GOAL)
                    .hasSize(PARTITIONS).allSatisfy((partition, seconds) ->
                            assertThat(seconds).isLessThanOrEqualTo(GOAL.toSeconds()));
        }
    }

    /** target/recovery/{@code name}, emptied: the processes' logs stay there for a look after a run. */
    private static Path freshDirectory(String name) throws IOException {
        Path dir = Path.of("target", "recovery", name).toAbsolutePath();
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    /** Every topic with {@link #PARTITIONS} partitions, before any reader assigns them. */
    private void createTopics(EmbeddedKafkaCluster kafka) {
        kafka.createTopics(PARTITIONS, topics.prompts(), topics.requestsFor(MODEL), topics.results(), topics.tokens(),
                topics.deadLetters());
    }

    /** A session timeout long enough that only static membership can bring the partitions back fast. */
    private static Path longSession(Path dir) throws Exception {
        return Files.writeString(dir.resolve("long-session.properties"), "session.timeout.ms=45000\n");
    }

    private static Map<String, String> topologySettings(EmbeddedKafkaCluster kafka, SchemaRegistryProcess registry,
            Path dir) {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("schema.registry.url", registry.url());
        settings.put("state.dir", dir.resolve("in-process-streams").toString());
        settings.put("commit.interval.ms", "50");
        settings.put(TopologyConfig.MODELS_KEY, MODEL);
        return settings;
    }
}
