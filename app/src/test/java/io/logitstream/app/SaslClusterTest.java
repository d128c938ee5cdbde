package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.contract.Topics;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Security settings given once, in a {@code --config} file, reach every Kafka client the project
 * runs: the broker's only client listener is SASL_PLAINTEXT, so a client that missed them could
 * not connect. The topology (its admin client creating topics, its consumer and exactly-once
 * producer), the worker (admin, consumer, results producer, token producer), {@code send} and the
 * results watcher all work; a client without the settings gets a clear message.
 */
class SaslClusterTest {

    private static final String MODEL = "tiny-gpt2";
    private static final Path ROOT =
            Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();

    @Test
    void settingsOfTheConfigFileReachEveryClient(@TempDir Path dir) throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.startWithSasl();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            Path config = dir.resolve("client.properties");
            Files.writeString(config, kafka.clientSecuritySettings().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue().replace("\\", "\\\\")).collect(Collectors.joining("\n")));
            String[] connection = {"--bootstrap-servers", kafka.bootstrapServers(),
                "--schema-registry-url", registry.url(), "--config", config.toString()};
            SendCommand parsed = new SendCommand();
            new CommandLine(parsed).parseArgs(concat(connection, "--model", MODEL));
            Map<String, String> settings = parsed.kafka.settings(); // what every command reads
            Topics topics = Topics.from(settings);

            assertThatThrownBy(() -> new OutputWatcher(KafkaEndpoint.plain(kafka.bootstrapServers(), registry.url()),
                    topics, false, Duration.ofSeconds(3), output -> { }))
                    .hasMessageContaining("SASL or TLS");

            Map<String, String> topologySettings = new HashMap<>(settings);
            topologySettings.put("application.id", "sasl-topology");
            topologySettings.put("state.dir", dir.resolve("streams").toString());
            topologySettings.put("commit.interval.ms", "50");
            topologySettings.put(TopologyConfig.MODELS_KEY, MODEL);
            List<OutputWatcher.Output> seen = new CopyOnWriteArrayList<>();
            try (LoadedModel model = ModelLoader.load(ROOT.resolve("fixtures/models/tiny-gpt2"));
                    TopologyApp topology = new TopologyApp(TopologyConfig.from(topologySettings)).start()) {
                assertThat(topology.awaitRunning(Duration.ofSeconds(90))).as("topology running over SASL").isTrue();
                KafkaModelWorker worker = new KafkaModelWorker(
                        WorkerSettings.of(kafka.bootstrapServers(), registry.url(), MODEL, "sasl-worker", settings),
                        new ServingScheduler(new TaskRouter(model, "sasl-worker"), BatchBudgets.defaults()));
                Thread workerThread = new Thread(worker, "sasl-worker");
                workerThread.start();
                try (OutputWatcher watcher = new OutputWatcher(KafkaEndpoint.of(kafka.bootstrapServers(),
                        registry.url(), settings), topics, false, Duration.ofSeconds(30), seen::add)) {
                    Thread watching = new Thread(watcher, "sasl-watch");
                    watching.start();

                    int status = Main.commandLine().execute(concat(new String[] {"send"}, concat(connection,
                            "--model", MODEL,
                            "--task", "GENERATE", "--text", "Hello", "--max-new-tokens", "3",
                            "--request-id", "sasl-1", "--wait", "--timeout", "90")));

                    assertThat(status).as("send --wait over SASL").isZero();
                    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (results(seen).isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                } finally {
                    worker.close();
                    workerThread.join(30_000);
                }
                assertThat(worker.failed()).isFalse();
            }
            assertThat(results(seen)).singleElement().satisfies(r -> {
                assertThat(r.getRequestId()).isEqualTo("sasl-1");
                assertThat(r.getStatus()).isEqualTo(ResultStatus.OK);
            });
            assertThat(seen).filteredOn(o -> o instanceof OutputWatcher.Output.Token t
                    && t.value().getRequestId().equals("sasl-1")).isNotEmpty();
        }
    }

    private static List<ScoringResult> results(List<OutputWatcher.Output> seen) {
        return seen.stream().filter(o -> o instanceof OutputWatcher.Output.Result)
                .map(o -> ((OutputWatcher.Output.Result) o).value()).toList();
    }

    private static String[] concat(String[] first, String... rest) {
        String[] out = Arrays.copyOf(first, first.length + rest.length);
        System.arraycopy(rest, 0, out, first.length, rest.length);
        return out;
    }
}
