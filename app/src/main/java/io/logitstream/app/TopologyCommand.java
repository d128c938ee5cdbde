package io.logitstream.app;

import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.worker.cli.KafkaOptions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs the routing topology until Ctrl-C. */
@Command(name = "topology", mixinStandardHelpOptions = true,
        description = "Run the routing topology (llm.prompts -> validate -> dedupe -> llm.requests.<model>).")
public final class TopologyCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--models", split = ",", defaultValue = "${env:LOGITSTREAM_MODELS}",
            description = "Models served by worker pools (env LOGITSTREAM_MODELS). Requests for others get an "
                    + "UNKNOWN_MODEL error result. Empty: route every model, creating topics on demand.")
    List<String> models;

    @Override
    public Integer call() throws Exception {
        Map<String, String> settings = kafka.settings();
        if (models != null && !models.isEmpty()) {
            settings.put(TopologyConfig.MODELS_KEY, String.join(",", models));
        }
        TopologyApp app = new TopologyApp(TopologyConfig.from(settings)).start();
        Runtime.getRuntime().addShutdownHook(new Thread(app::close, "topology-shutdown"));
        app.awaitTermination();
        return 0;
    }
}
