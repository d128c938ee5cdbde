package io.logitstream.gateway;

import io.logitstream.contract.Topics;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where the gateway listens and which cluster it talks to.
 *
 * @param client Kafka client settings every client of the gateway gets (security, timeouts)
 * @param models the models {@code /v1/models} lists and requests may name; empty: every model
 *     that has a request topic ({@code llm.requests.<model>}), i.e. the pools the topology routes to
 * @param requestTimeout how long an HTTP request waits for its answer before a 504
 * @param httpThreads threads that parse requests and write answers; a streamed answer holds one
 *     for its whole length
 * @param maxPending Kafka requests waiting for an answer at once, over all HTTP requests; beyond,
 *     a 429
 * @param topologyUrl the topology's query server, which {@code GET /runs}, {@code /runs/{id}} and
 *     {@code /results/{request_id}} are passed on to
 */
public record GatewaySettings(String bootstrapServers, String registryUrl, Properties client, Topics topics,
        String host, int port, List<String> models, Duration requestTimeout, int httpThreads, int maxPending,
        Duration startupTimeout, URI topologyUrl) {

    public static final int DEFAULT_PORT = 8000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final String PORT_KEY = "logitstream.gateway.port";
    public static final String HOST_KEY = "logitstream.gateway.host";
    public static final String MODELS_KEY = "logitstream.gateway.models";
    public static final String TIMEOUT_KEY = "logitstream.gateway.timeout.ms";
    public static final String THREADS_KEY = "logitstream.gateway.http.threads";
    public static final String MAX_PENDING_KEY = "logitstream.gateway.max.pending";
    public static final String TOPOLOGY_URL_KEY = "logitstream.gateway.topology.url";
    public static final String DEFAULT_TOPOLOGY_URL = "http://localhost:8091";

    public GatewaySettings {
        Properties copy = new Properties();
        copy.putAll(client);
        client = copy;
        models = List.copyOf(models);
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (httpThreads < 1 || maxPending < 1) {
            throw new IllegalArgumentException("httpThreads and maxPending must be at least 1");
        }
    }

    /**
     * From a command's settings ({@code bootstrap.servers}, {@code schema.registry.url}, Kafka client
     * keys, {@code logitstream.topic.*} and the {@code logitstream.gateway.*} keys above).
     */
    public static GatewaySettings from(Map<String, String> settings) {
        Properties client = new Properties();
        settings.forEach((key, value) -> {
            if (!key.startsWith("logitstream.") && !key.equals("schema.registry.url")
                    && !key.equals("bootstrap.servers")) {
                client.put(key, value);
            }
        });
        String models = settings.getOrDefault(MODELS_KEY, "");
        return new GatewaySettings(settings.getOrDefault("bootstrap.servers", "localhost:9092"),
                settings.getOrDefault("schema.registry.url", "http://localhost:8081/apis/ccompat/v7"), client,
                Topics.from(settings), settings.getOrDefault(HOST_KEY, "0.0.0.0"),
                Integer.parseInt(settings.getOrDefault(PORT_KEY, Integer.toString(DEFAULT_PORT))),
                Arrays.stream(models.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList(),
                Duration.ofMillis(Long.parseLong(settings.getOrDefault(TIMEOUT_KEY,
                        Long.toString(DEFAULT_TIMEOUT.toMillis())))),
                Integer.parseInt(settings.getOrDefault(THREADS_KEY, "64")),
                Integer.parseInt(settings.getOrDefault(MAX_PENDING_KEY, "10000")), Duration.ofSeconds(60),
                URI.create(settings.getOrDefault(TOPOLOGY_URL_KEY, DEFAULT_TOPOLOGY_URL)));
    }

    public GatewaySettings withListen(String newHost, int newPort) {
        return new GatewaySettings(bootstrapServers, registryUrl, client, topics, newHost, newPort, models,
                requestTimeout, httpThreads, maxPending, startupTimeout, topologyUrl);
    }

    public GatewaySettings withModels(List<String> newModels) {
        return new GatewaySettings(bootstrapServers, registryUrl, client, topics, host, port, newModels,
                requestTimeout, httpThreads, maxPending, startupTimeout, topologyUrl);
    }

    public GatewaySettings withRequestTimeout(Duration timeout) {
        return new GatewaySettings(bootstrapServers, registryUrl, client, topics, host, port, models, timeout,
                httpThreads, maxPending, startupTimeout, topologyUrl);
    }

    public GatewaySettings withTopologyUrl(URI url) {
        return new GatewaySettings(bootstrapServers, registryUrl, client, topics, host, port, models, requestTimeout,
                httpThreads, maxPending, startupTimeout, url);
    }

    /** A fresh copy of the client settings with the bootstrap servers, for one client to add its own keys. */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(client);
        p.put("bootstrap.servers", bootstrapServers);
        return p;
    }
}
