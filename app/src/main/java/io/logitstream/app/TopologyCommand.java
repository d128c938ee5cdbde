package io.logitstream.app;

import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.topology.metrics.TopologyMetrics;
import io.logitstream.worker.cli.KafkaOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the routing topology until Ctrl-C. */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = {"Run the routing topology (llm.prompts -> validate -> dedupe -> llm.requests.<model>).",
                "Prometheus metrics on http://localhost:9465/metrics (logitstream.topology.metrics.port in --config;"
                        + " 0: any free port, off: none)."})
public final class TopologyCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--models", split = ",", defaultValue = "${env:LOGITSTREAM_MODELS}",
            description = "Models served by worker pools (env LOGITSTREAM_MODELS). Requests for others get an "
                    + "UNKNOWN_MODEL error result. Empty: route every model, creating topics on demand.")
    List<String> models;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:LOGITSTREAM_STATE_DIR}",
            description = "Kafka Streams state directory, one subfolder per application id (env LOGITSTREAM_STATE_DIR;"
                    + " default .run/streams of the checkout; state.dir in --config also works).")
    Path stateDir;

    @Option(names = "--instance-id", paramLabel = "ID", defaultValue = "${env:LOGITSTREAM_TOPOLOGY_INSTANCE_ID}",
            description = "This instance's static member name in the application's group; keep it stable across"
                    + " restarts so a restarted instance takes its partitions back at once (default: host name and a"
                    + " digest of the state directory).")
    String instanceId;

    @Override
    public Integer call() throws Exception {
        Map<String, String> settings = kafka.settings();
        if (models != null && !models.isEmpty()) {
            settings.put(TopologyConfig.MODELS_KEY, String.join(",", models));
        }
        if (stateDir != null) {
            settings.put("state.dir", stateDir.toString());
        }
        settings.putIfAbsent("state.dir", RunDirectory.streamsState().toString());
        if (instanceId != null) {
            settings.put(TopologyConfig.INSTANCE_ID_KEY, instanceId);
        }
        TopologyApp app = new TopologyApp(TopologyConfig.from(settings), TopologyMetrics.start(settings)).start();
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "topology-shutdown"));
        app.awaitTermination();
        return 0;
    }
}
