package io.logitstream.app.chaos;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import io.logitstream.serde.AvroDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Everything committed to the results and tokens topics, as a read_committed reader sees it:
 * every result per request id (so duplicates show), every token chunk in log order, and when each
 * result arrived. Polled from the test thread only.
 */
final class OutputLedger implements AutoCloseable {

    private final String resultsTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AvroDeserializer<ScoringResult> resultDeserializer;
    private final AvroDeserializer<TokenChunk> chunkDeserializer;
    private final Map<String, List<ScoringResult>> resultsById = new LinkedHashMap<>();
    private final List<Long> resultArrivalNanos = new ArrayList<>();
    /** Per request id: when the worker started computing it (its first result's timings), epoch ms. */
    private final Map<String, Long> startedAtMs = new HashMap<>();
    private final List<TokenChunk> chunks = new ArrayList<>();
    private final Set<String> streamedIds = new HashSet<>();

    /** Reads both topics from the beginning; they must exist (their partitions are assigned, not subscribed). */
    OutputLedger(String bootstrap, String registryUrl, String resultsTopic, String tokensTopic) {
        this.resultsTopic = resultsTopic;
        this.consumer = TopicPartitions.committedFromStart(bootstrap, "chaos-ledger-", List.of(resultsTopic, tokensTopic),
                Duration.ofSeconds(30));
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(registryUrl);
        this.resultDeserializer = new AvroDeserializer<>(ScoringResult.class, registry);
        this.chunkDeserializer = new AvroDeserializer<>(TokenChunk.class, registry);
    }

    /** One poll; records what came. */
    void poll(Duration timeout) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            if (record.topic().equals(resultsTopic)) {
                ScoringResult result = resultDeserializer.deserialize(record.topic(), record.value());
                resultsById.computeIfAbsent(result.getRequestId(), id -> new ArrayList<>()).add(result);
                resultArrivalNanos.add(System.nanoTime());
                startedAtMs.merge(result.getRequestId(), result.getTimings() == null ? record.timestamp()
                        : result.getTimings().getStartedAtMs(), Math::min);
            } else {
                TokenChunk chunk = chunkDeserializer.deserialize(record.topic(), record.value());
                chunks.add(chunk);
                streamedIds.add(chunk.getRequestId());
            }
        }
    }

    /**
     * Reads up to the current end as a read_committed reader sees it (the last stable offset):
     * afterwards nothing committed before this call is still unread.
     */
    void drainToCommittedEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read up to " + end + " within " + timeout);
            }
            poll(Duration.ofMillis(100));
        }
    }

    /** How many request ids have at least one result. */
    int requestsWithResults() {
        return resultsById.size();
    }

    /** How many requests have streamed tokens but have no committed result yet: generations in flight. */
    int streamsWithoutResult() {
        return (int) streamedIds.stream().filter(id -> !resultsById.containsKey(id)).count();
    }

    /** Every result seen, per request id, in log order. */
    Map<String, List<ScoringResult>> resultsById() {
        return resultsById;
    }

    /** Every token chunk seen, in log order (per request: the order the worker sent them). */
    List<TokenChunk> chunks() {
        return chunks;
    }

    /** When (System.nanoTime) each result was read, in the order read. */
    List<Long> resultArrivals() {
        return resultArrivalNanos;
    }

    /** When the worker started computing {@code requestId} (epoch ms), if a result came. */
    OptionalLong startedAtMs(String requestId) {
        Long ms = startedAtMs.get(requestId);
        return ms == null ? OptionalLong.empty() : OptionalLong.of(ms);
    }

    /** When (System.nanoTime) the first result read after {@code nanos} arrived, if one has. */
    OptionalLong firstResultArrivalAfter(long nanos) {
        return resultArrivalNanos.stream().mapToLong(Long::longValue).filter(t -> t > nanos).findFirst();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
