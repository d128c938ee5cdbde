package io.logitstream.worker.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the Kafka cluster and the schema registry are, and the client settings every Kafka client
 * of a command gets (security, timeouts). Flags win over environment variables, which win over the
 * defaults of the local stack ({@code ./logitstream up}).
 *
 * <p>Client settings come from the {@code --config} file (or the file {@code LOGITSTREAM_CONFIG}
 * names) and from variables {@code LOGITSTREAM_KAFKA_<KEY>}, the Kafka key upper-cased with dots as
 * underscores ({@code LOGITSTREAM_KAFKA_SASL_JAAS_CONFIG} is {@code sasl.jaas.config}), which win
 * over the file: a secret injected into the environment overrides a placeholder in a shared file.
 */
public final class KafkaOptions {

    public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    public static final String DEFAULT_REGISTRY = "http://localhost:8081/apis/ccompat/v7";
    /** Prefix of the environment variables that carry Kafka client settings. */
    public static final String ENV_PREFIX = "LOGITSTREAM_KAFKA_";
    /** The Kafka clients' log level (logback.xml), not a client setting. */
    private static final String ENV_LOG_LEVEL = "LOGITSTREAM_KAFKA_LOG_LEVEL";

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:LOGITSTREAM_BOOTSTRAP_SERVERS:-" + DEFAULT_BOOTSTRAP + "}",
            description = "Kafka bootstrap servers (env LOGITSTREAM_BOOTSTRAP_SERVERS; default ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            defaultValue = "${env:LOGITSTREAM_SCHEMA_REGISTRY_URL:-" + DEFAULT_REGISTRY + "}",
            description = "Base URL of a Confluent-compatible schema registry (env LOGITSTREAM_SCHEMA_REGISTRY_URL;"
                    + " default ${DEFAULT-VALUE}).")
    String registryUrl;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:LOGITSTREAM_CONFIG}",
            description = "Properties file with extra Kafka client settings (security, timeouts) and logitstream.* keys"
                    + " such as logitstream.topic.results (env LOGITSTREAM_CONFIG). Variables LOGITSTREAM_KAFKA_<KEY>"
                    + " (e.g. LOGITSTREAM_KAFKA_SECURITY_PROTOCOL) add Kafka settings and win over the file.")
    Path configFile;

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /**
     * Everything from the config file, then the Kafka settings of the environment, plus
     * bootstrap.servers and schema.registry.url.
     */
    public Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        if (configFile != null) {
            Properties props = new Properties();
            try (Reader reader = Files.newBufferedReader(configFile)) {
                props.load(reader);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read config file " + configFile + ": " + e.getMessage(), e);
            }
            props.stringPropertyNames().forEach(k -> settings.put(k, props.getProperty(k)));
        }
        settings.putAll(fromEnvironment(System.getenv()));
        settings.put("bootstrap.servers", bootstrapServers);
        settings.put("schema.registry.url", registryUrl);
        return settings;
    }

    /**
     * The Kafka client settings in {@code env}: {@code LOGITSTREAM_KAFKA_SASL_MECHANISM=PLAIN} is
     * {@code sasl.mechanism=PLAIN}. Kafka's keys have no underscores, so the mapping is exact.
     */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        Map<String, String> settings = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length() && !name.equals(ENV_LOG_LEVEL)) {
                settings.put(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        return settings;
    }

    /** Points these options at a given cluster and registry (used when {@code up} starts its own). */
    public void set(String bootstrap, String registry) {
        this.bootstrapServers = bootstrap;
        this.registryUrl = registry;
    }
}
