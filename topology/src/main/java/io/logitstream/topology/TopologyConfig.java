package io.logitstream.topology;

import io.logitstream.contract.Topics;
import io.logitstream.topology.runs.RunSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Settings of the routing application. Kafka and Kafka Streams settings pass through unchanged;
 * LogitStream's own keys start with {@code logitstream.}.
 *
 * <p>Recovery defaults (an operator's own value wins): the main consumer is a static member
 * ({@code group.instance.id}, see {@link #INSTANCE_ID_KEY}), so a topology restarted after a crash takes
 * its tasks back without a rebalance, and its session times out after 10 s, which bounds how long
 * the tasks of an instance that does not come back stay unserved. Kafka Streams' own exactly-once
 * default of {@code transaction.timeout.ms} (10 s) bounds how long the open transaction of an
 * instance that does not come back holds back read_committed readers; one that does come back (same
 * state directory, so the same process id and transactional id) aborts it as it starts. The streams rebalance protocol (KIP-1071) does not
 * support static membership, so the classic protocol stays.
 *
 * <p>{@code runs}: the run summaries' results store and query server ({@link RunSettings}).
 */
public record TopologyConfig(
        Topics topics,
        Set<String> servedModels,
        Duration dedupeRetention,
        int requestTopicPartitions,
        short requestTopicReplication,
        String registryUrl,
        Properties streamsProperties,
        RunSettings runs) {

    public static final String MODELS_KEY = "logitstream.models";
    public static final String DEDUPE_RETENTION_KEY = "logitstream.dedupe.retention.ms";
    public static final String REQUEST_PARTITIONS_KEY = "logitstream.requests.partitions";
    public static final String REQUEST_REPLICATION_KEY = "logitstream.requests.replication";
    public static final String REGISTRY_URL_KEY = "schema.registry.url";
    public static final String DEFAULT_APPLICATION_ID = "logitstream-topology";
    /** This instance's member name in the application's group; default {@link #defaultInstanceId}. */
    public static final String INSTANCE_ID_KEY = "logitstream.topology.instance.id";
    public static final int SESSION_TIMEOUT_MS_DEFAULT = 10_000;
    static final String MAIN_CONSUMER_INSTANCE_ID = "main.consumer.group.instance.id";

    /** Reads the settings from a flat map such as a properties file merged with the environment. */
    public static TopologyConfig from(Map<String, String> settings) {
        Properties streams = new Properties();
        settings.forEach((k, v) -> {
            if (!k.startsWith("logitstream.")) {
                streams.put(k, v);
            }
        });
        streams.putIfAbsent("application.id", DEFAULT_APPLICATION_ID);
        recoveryDefaults(streams, settings.get(INSTANCE_ID_KEY));
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
                streams,
                RunSettings.from(settings));
    }

    private static void recoveryDefaults(Properties streams, String instanceId) {
        if ("streams".equalsIgnoreCase(streams.getProperty("group.protocol"))) {
            return; // the streams protocol sets the session on the broker and refuses static members
        }
        if (!streams.containsKey("group.instance.id") && !streams.containsKey(MAIN_CONSUMER_INSTANCE_ID)) {
            // Only the main consumer joins the group; Kafka Streams appends "-<thread index>".
            streams.put(MAIN_CONSUMER_INSTANCE_ID, instanceId != null && !instanceId.isBlank() ? instanceId
                    : defaultInstanceId(streams.getProperty("state.dir", DEFAULT_STATE_DIR)));
        }
        streams.putIfAbsent("session.timeout.ms", Integer.toString(SESSION_TIMEOUT_MS_DEFAULT));
    }

    /** Kafka Streams' own default {@code state.dir}. */
    static final String DEFAULT_STATE_DIR = Path.of(System.getProperty("java.io.tmpdir"), "kafka-streams").toString();

    /**
     * The host name and a digest of the state directory. Stable across restarts of one instance, so
     * the restarted instance replaces its dead self in the group at once; distinct for instances that
     * run at the same time, because Kafka Streams locks the state directory of an application id to
     * one process (the routing topology has a persistent store). An instance that moves hosts or
     * directories joins as a new member.
     */
    public static String defaultInstanceId(String stateDir) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "topology";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    Path.of(stateDir).toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8));
            return host + "-" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
