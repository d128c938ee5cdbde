package io.logitstream.app.chaos;

import java.nio.file.Path;
import java.util.List;

/** The routing topology as its own JVM ({@code logitstream topology ...}); see {@link MainProcess}. */
final class TopologyProcess {

    /** How to start one incarnation; all share the config file, so the application id and state dir too. */
    record Launch(String bootstrap, String registryUrl, String models, Path configFile, Path logDir) {
    }

    private TopologyProcess() {
    }

    /** Starts incarnation {@code incarnation} (1, 2, ...), logging to {@code topology-<incarnation>.log}. */
    static MainProcess start(Launch launch, int incarnation) {
        return MainProcess.start(List.of("topology",
                "--models", launch.models(),
                "--bootstrap-servers", launch.bootstrap(),
                "--schema-registry-url", launch.registryUrl(),
                "--config", launch.configFile().toString()),
                launch.logDir().resolve("topology-" + incarnation + ".log"));
    }
}
