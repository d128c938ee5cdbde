package io.logitstream.gateway;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole stack in process, for tests of the gateway over HTTP: broker, registry process,
 * topology, one worker serving a fixture model, and a gateway in front. The topology also routes
 * to the {@code idlePools}, which no worker serves.
 */
final class GatewayStack implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();

    private final List<AutoCloseable> resources = new ArrayList<>();
    private LoadedModel model;
    private KafkaModelWorker worker;
    private Thread workerThread;
    private GatewaySettings settings;
    private Gateway gateway;

    private GatewayStack() {
    }

    /** Starts everything; what started is stopped again when a later step fails. */
    static GatewayStack start(String modelName, String... idlePools) throws Exception {
        GatewayStack stack = new GatewayStack();
        try {
            stack.startAll(modelName, idlePools);
            return stack;
        } catch (Exception | AssertionError e) {
            stack.close();
            throw e;
        }
    }

    private void startAll(String modelName, String... idlePools) throws Exception {
        EmbeddedKafkaCluster kafka = keep(EmbeddedKafkaCluster.start());
        SchemaRegistryProcess registry = keep(SchemaRegistryProcess.start());
        model = keep(ModelLoader.load(ROOT.resolve("fixtures/models/" + modelName)));
        Map<String, String> topology = Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registry.url(), "application.id", "gateway-e2e-" + modelName,
                "state.dir", Files.createTempDirectory("gateway-streams").toString(), "commit.interval.ms", "50",
                TopologyConfig.MODELS_KEY, String.join(",", Stream.concat(Stream.of(modelName),
                        Stream.of(idlePools)).toList()));
        TopologyApp app = keep(new TopologyApp(TopologyConfig.from(topology)).start());
        assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
        worker = new KafkaModelWorker(WorkerSettings.of(kafka.bootstrapServers(), registry.url(), modelName,
                "gateway-worker", Map.of()), new ServingScheduler(new TaskRouter(model, "gateway-worker"),
                BatchBudgets.defaults()));
        workerThread = new Thread(worker, "gateway-worker");
        workerThread.start();
        settings = GatewaySettings.from(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registry.url())).withListen("127.0.0.1", 0);
        gateway = Gateway.start(settings);
    }

    LoadedModel model() {
        return model;
    }

    GatewaySettings settings() {
        return settings;
    }

    Gateway gateway() {
        return gateway;
    }

    HttpCalls http() {
        return new HttpCalls(gateway.url());
    }

    @Override
    public void close() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (worker != null) {
            worker.close();
            workerThread.join(30_000);
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }
}
