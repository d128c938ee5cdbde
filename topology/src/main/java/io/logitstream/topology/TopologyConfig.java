package io.logitstream.topology;

import io.logitstream.contract.Topics;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Settings of the routing application. Kafka and Kafka Streams settings pass through unchanged;
 * LogitStream's own keys start with {@code logitstream.}.
 */
public record TopologyConfig(
        Topics topics,
        Set<String> servedModels,
        Duration dedupeRetention,
        int requestTopicPartitions,
        short requestTopicReplication,
        String registryUrl,
        Properties streamsProperties) {

    public static final String MODELS_KEY = "logitstream.models";
    public static final String DEDUPE_RETENTION_KEY = "logitstream.dedupe.retention.ms";
    public static final String REQUEST_PARTITIONS_KEY = "logitstream.requests.partitions";
    public static final String REQUEST_REPLICATION_KEY = "logitstream.requests.replication";
    public static final String REGISTRY_URL_KEY = "schema.registry.url";
    public static final String DEFAULT_APPLICATION_ID = "logitstream-topology";

    /** Reads the settings from a flat map such as a properties file merged with the environment. */
    public static TopologyConfig from(Map<String, String> settings) {
        Properties streams = new Properties();
        settings.forEach((k, v) -> {
            if (!k.startsWith("logitstream.")) {
                streams.put(k, v);
            }
        });
        streams.putIfAbsent("application.id", DEFAULT_APPLICATION_ID);
        String registry = settings.get(REGISTRY_URL_KEY);
        if (registry == null || settings.get("bootstrap.servers") == null) {
            throw new IllegalArgumentException("bootstrap.servers and schema.registry.url are required");
        }
        Set<String> models = Arrays.stream(settings.getOrDefault(MODELS_KEY, "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
        return new TopologyConfig(
                Topics.from(settings),
                models,
                Duration.ofMillis(Long.parseLong(settings.getOrDefault(DEDUPE_RETENTION_KEY, "86400000"))),
                Integer.parseInt(settings.getOrDefault(REQUEST_PARTITIONS_KEY, "3")),
                Short.parseShort(settings.getOrDefault(REQUEST_REPLICATION_KEY, "-1")),
                registry,
                streams);
    }
}
