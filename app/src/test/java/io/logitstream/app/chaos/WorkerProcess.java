package io.logitstream.app.chaos;

import java.nio.file.Path;
import java.util.List;

/** A model worker as its own JVM ({@code logitstream worker ...}); see {@link MainProcess}. */
final class WorkerProcess {

    /** How to start one incarnation; every incarnation of a test's worker shares the worker id. */
    record Launch(Path modelDir, String modelName, String workerId, String bootstrap, String registryUrl,
            Path configFile, Path logDir) {
    }

    private WorkerProcess() {
    }

    /** Starts incarnation {@code incarnation} (1, 2, ...), logging to {@code worker-<incarnation>.log}. */
    static MainProcess start(Launch launch, int incarnation) {
        return MainProcess.start(List.of("worker",
                "--model", launch.modelDir().toString(),
                "--model-name", launch.modelName(),
                "--worker-id", launch.workerId(),
                "--bootstrap-servers", launch.bootstrap(),
                "--schema-registry-url", launch.registryUrl(),
                "--config", launch.configFile().toString()),
                launch.logDir().resolve("worker-" + incarnation + ".log"));
    }
}
