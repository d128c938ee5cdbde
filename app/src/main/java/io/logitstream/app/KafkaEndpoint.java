package io.logitstream.app;

import io.logitstream.worker.cli.KafkaOptions;
import java.util.Map;
import java.util.Properties;

/**
 * Where a command's clients connect and with which client settings: the bootstrap servers, the
 * registry, and the Kafka settings of the {@code --config} file and the {@code LOGITSTREAM_KAFKA_*}
 * variables (security, timeouts), given to every client the command creates.
 */
public record KafkaEndpoint(String bootstrapServers, String registryUrl, Properties client) {

    public KafkaEndpoint {
        Properties copy = new Properties();
        copy.putAll(client);
        client = copy;
    }

    /** No client settings beyond the addresses (a plaintext cluster). */
    public static KafkaEndpoint plain(String bootstrapServers, String registryUrl) {
        return new KafkaEndpoint(bootstrapServers, registryUrl, new Properties());
    }

    public static KafkaEndpoint of(KafkaOptions kafka) {
        return of(kafka.bootstrapServers(), kafka.registryUrl(), kafka.settings());
    }

    /** LogitStream's own keys and the registry URL are left out of the client settings. */
    public static KafkaEndpoint of(String bootstrapServers, String registryUrl, Map<String, String> settings) {
        Properties client = new Properties();
        settings.forEach((key, value) -> {
            if (!key.startsWith("logitstream.") && !key.equals("schema.registry.url")
                    && !key.equals("bootstrap.servers")) {
                client.put(key, value);
            }
        });
        return new KafkaEndpoint(bootstrapServers, registryUrl, client);
    }

    /** A fresh copy of the client settings with the bootstrap servers, to add a client's own keys to. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(client);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }
}
