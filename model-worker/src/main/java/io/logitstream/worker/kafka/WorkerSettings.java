package io.logitstream.worker.kafka;

import io.logitstream.contract.DeadLetterFit;
import io.logitstream.contract.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Settings of one worker process. Kafka client settings (security, timeouts) pass through from
 * {@code clientProperties}; the worker sets the ones its delivery guarantees depend on.
 *
 * @param modelName             the pool this worker joins: it consumes {@code llm.requests.<modelName>}
 * @param workerId              unique per process; part of the transactional id and the consumer's
 *                              {@code group.instance.id}, so a restarted worker with the same id fences its
 *                              previous incarnation and takes over its partitions without a rebalance
 * @param maxBatch              most records taken per poll ({@code max.poll.records})
 * @param maxInflight           most requests admitted and not yet published; when reached, the worker pauses
 *                              its partitions until results are published (backpressure)
 * @param revokeWait            how long a revocation (or a stop) waits for the requests in flight of the
 *                              partitions it gives up before cancelling them; keep it well under
 *                              {@code max.poll.interval.ms}
 * @param offsetMetadataMaxBytes the broker's {@code offset.metadata.max.bytes}: bounds the encoded set of
 *                              completed offsets, hence how far past its first incomplete offset a partition
 *                              may run ahead (see {@link CompletedOffsetsCodec})
 */
public record WorkerSettings(
        String bootstrapServers,
        String registryUrl,
        String modelName,
        String workerId,
        Topics topics,
        int maxBatch,
        int maxInflight,
        Duration pollInterval,
        Duration revokeWait,
        int offsetMetadataMaxBytes,
        Properties clientProperties) {

    public static final String MAX_BATCH_KEY = "logitstream.worker.max.batch";
    public static final String MAX_INFLIGHT_KEY = "logitstream.worker.max.inflight";
    public static final String REVOKE_WAIT_KEY = "logitstream.worker.revoke.wait.ms";
    public static final String OFFSET_METADATA_MAX_BYTES_KEY = "logitstream.worker.offset.metadata.max.bytes";
    /**
     * Default {@code session.timeout.ms} of the worker's consumer: how long the partitions of a worker
     * that died and does not come back stay unserved before the group moves them. Shorter moves them
     * sooner but drops a live worker whose heartbeats stall that long (GC pause, overloaded host); a
     * worker restarted under the same id gets its partitions back at once whatever this is. The
     * broker's {@code group.min.session.timeout.ms} (6 s by default) is the floor.
     */
    public static final int SESSION_TIMEOUT_MS_DEFAULT = 10_000;

    public WorkerSettings {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1");
        }
        if (maxInflight < 1) {
            throw new IllegalArgumentException("maxInflight must be >= 1");
        }
        if (revokeWait.isNegative()) {
            throw new IllegalArgumentException("revokeWait must not be negative");
        }
        if (offsetMetadataMaxBytes < CompletedOffsetsCodec.MIN_METADATA_BYTES) {
            throw new IllegalArgumentException("offsetMetadataMaxBytes must be >= "
                    + CompletedOffsetsCodec.MIN_METADATA_BYTES);
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
     * The most a record the worker publishes may take: its producers' {@code max.request.size} (given
     * with the client settings; Kafka's default, 1 MiB, otherwise). A worker-side dead letter is cut
     * to fit it, so one that raises or lowers it gets dead letters that fit what its producer sends.
     */
    public int maxRecordBytes() {
        Object value = clientProperties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (value == null || value.toString().isBlank()) {
            return DeadLetterFit.DEFAULT_MAX_RECORD_BYTES;
        }
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " must be a number of bytes,"
                    + " got " + value, e);
        }
    }

    /**
     * Settings from a flat map of Kafka client settings and {@code logitstream.*} keys
     * ({@code logitstream.worker.max.batch} (default 8), {@code .max.inflight} (64),
     * {@code .revoke.wait.ms} (10000), {@code .offset.metadata.max.bytes} (4096), topic names);
     * {@code schema.registry.url} is taken apart.
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
        return new WorkerSettings(bootstrap, registry, model, workerId, Topics.from(config),
                intSetting(config, MAX_BATCH_KEY, 8), intSetting(config, MAX_INFLIGHT_KEY, 64),
                Duration.ofMillis(100), Duration.ofMillis(intSetting(config, REVOKE_WAIT_KEY, 10_000)),
                intSetting(config, OFFSET_METADATA_MAX_BYTES_KEY, 4096), client);
    }

    private static int intSetting(Map<String, ?> config, String key, int fallback) {
        Object value = config.get(key);
        return value == null || value.toString().isBlank() ? fallback : Integer.parseInt(value.toString().trim());
    }
}
