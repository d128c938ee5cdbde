package io.logitstream.worker.kafka;

import io.logitstream.contract.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * Settings of one worker process. Kafka client settings (security, timeouts) pass through from
 * {@code clientProperties}; the worker sets the ones its delivery guarantees depend on.
 *
 * @param modelName    the pool this worker joins: it consumes {@code llm.requests.<modelName>}
 * @param workerId     unique per process; part of the transactional id, so a restarted worker with
 *                     the same id fences its previous incarnation
 * @param maxBatch     most requests taken per poll and committed in one transaction
 */
public record WorkerSettings(
        String bootstrapServers,
        String registryUrl,
        String modelName,
        String workerId,
        Topics topics,
        int maxBatch,
        Duration pollInterval,
        Properties clientProperties) {

    public WorkerSettings {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1");
        }
    }

    public String groupId() {
        return "logitstream-worker." + modelName;
    }

    public String transactionalId() {
        return "logitstream-worker." + modelName + "." + workerId;
    }

    public String requestTopic() {
        return topics.requestsFor(modelName);
    }

    /**
     * Settings from a flat map of Kafka client settings and {@code logitstream.*} keys
     * ({@code logitstream.worker.max.batch}, topic names); {@code schema.registry.url} is taken apart.
     */
    public static WorkerSettings of(String bootstrap, String registry, String model, String workerId,
            Map<String, ?> config) {
        Properties client = new Properties();
        config.forEach((k, v) -> {
            if (!k.startsWith("logitstream.") && !k.equals("schema.registry.url")) {
                client.put(k, v);
            }
        });
        client.remove("bootstrap.servers");
        Object maxBatch = config.get("logitstream.worker.max.batch");
        return new WorkerSettings(bootstrap, registry, model, workerId, Topics.from(config),
                maxBatch == null ? 8 : Integer.parseInt(maxBatch.toString()), Duration.ofMillis(100), client);
    }
}
