package io.logitstream.worker.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the Kafka cluster and the schema registry are. Flags win over environment variables,
 * which win over the defaults of the local stack ({@code ./logitstream up}).
 */
public final class KafkaOptions {

    public static final String DEFAULT_BOOTSTRAP = "localhost:9092";
    public static final String DEFAULT_REGISTRY = "http://localhost:8081/apis/ccompat/v7";

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:LOGITSTREAM_BOOTSTRAP_SERVERS:-" + DEFAULT_BOOTSTRAP + "}",
            description = "Kafka bootstrap servers (env LOGITSTREAM_BOOTSTRAP_SERVERS; default ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            defaultValue = "${env:LOGITSTREAM_SCHEMA_REGISTRY_URL:-" + DEFAULT_REGISTRY + "}",
            description = "Base URL of a Confluent-compatible schema registry (env LOGITSTREAM_SCHEMA_REGISTRY_URL;"
                    + " default ${DEFAULT-VALUE}).")
    String registryUrl;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Properties file with extra Kafka client settings (security, timeouts) and logitstream.* keys"
                    + " such as logitstream.topic.results.")
    Path configFile;

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** Everything from the config file, plus bootstrap.servers and schema.registry.url. */
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
        settings.put("bootstrap.servers", bootstrapServers);
        settings.put("schema.registry.url", registryUrl);
        return settings;
    }

    /** Points these options at a given cluster and registry (used when {@code up} starts its own). */
    public void set(String bootstrap, String registry) {
        this.bootstrapServers = bootstrap;
        this.registryUrl = registry;
    }
}
