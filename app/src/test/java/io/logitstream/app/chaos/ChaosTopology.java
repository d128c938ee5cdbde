package io.logitstream.app.chaos;

import io.logitstream.topology.TopologyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * Topology settings for chaos scenarios, in-process ({@link #config}) or as the {@code --config}
 * file of a topology JVM ({@link #writeProperties}): its own application id and state directory,
 * fast commits, and a session timeout of 6 s instead of 45 s, so a killed instance's partitions
 * are handed to its successor soon.
 */
final class ChaosTopology {

    private ChaosTopology() {
    }

    static Map<String, String> settings(String applicationId, Path stateDir, String models) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("application.id", applicationId);
        settings.put("state.dir", Files.createDirectories(stateDir).toString());
        settings.put("commit.interval.ms", "50");
        settings.put("session.timeout.ms", "6000");
        settings.put("heartbeat.interval.ms", "1000");
        settings.put(TopologyConfig.MODELS_KEY, models);
        settings.put(TopologyConfig.REQUEST_PARTITIONS_KEY, "3");
        return settings;
    }

    static TopologyConfig config(String bootstrap, String registryUrl, String applicationId, Path stateDir,
            String models) throws IOException {
        Map<String, String> settings = settings(applicationId, stateDir, models);
        settings.put("bootstrap.servers", bootstrap);
        settings.put("schema.registry.url", registryUrl);
        return TopologyConfig.from(settings);
    }

    /** {@code settings} (see {@link #settings}) as a properties file for {@code logitstream topology --config FILE}. */
    static Path writeProperties(Path file, Map<String, String> settings) throws IOException {
        Properties properties = new Properties();
        properties.putAll(settings);
        Files.createDirectories(file.getParent());
        Files.writeString(file, properties.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        return file;
    }
}
