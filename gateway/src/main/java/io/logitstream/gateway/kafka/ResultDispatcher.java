package io.logitstream.gateway.kafka;

import io.logitstream.contract.Topics;
import io.logitstream.gateway.openai.ApiError;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The answers of every request in flight, from ONE consumer of the results topic and the dead
 * letter topic (committed data only: results are written in transactions), completing the
 * future of the request_id each record is keyed by. A request dead-lettered by the topology (an
 * invalid request) gets its dead letter, keyed by its request_id as it was sent.
 */
public final class ResultDispatcher implements AutoCloseable {

    private final Map<String, CompletableFuture<Outcome>> pending = new ConcurrentHashMap<>();
    private final Topics topics;
    private final AvroDeserializer<ScoringResult> results;
    private final AvroDeserializer<DeadLetter> deadLetters;
    private final TopicFollower follower;

    public ResultDispatcher(Properties client, Topics topics, SchemaRegistryClient registry, Duration startupTimeout) {
        this.topics = topics;
        this.results = new AvroDeserializer<>(ScoringResult.class, registry);
        this.deadLetters = new AvroDeserializer<>(DeadLetter.class, registry);
        this.follower = new TopicFollower("results", client, List.of(topics.results(), topics.deadLetters()),
                "read_committed", startupTimeout, pending::containsKey, this::dispatch);
    }

    /** The future answer of {@code requestId}; call before sending the request, so its answer cannot be missed. */
    public CompletableFuture<Outcome> expect(String requestId) {
        return pending.computeIfAbsent(requestId, id -> new CompletableFuture<>());
    }

    /** Stops waiting for {@code requestId} (answered, timed out, or its sender gone). */
    public void forget(String requestId) {
        pending.remove(requestId);
    }

    /** Requests waiting for their answer. */
    public int waiting() {
        return pending.size();
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        CompletableFuture<Outcome> future = pending.remove(record.key());
        if (future == null) {
            return;
        }
        try {
            future.complete(record.topic().equals(topics.deadLetters())
                    ? new Outcome.DeadLettered(deadLetters.deserialize(record.topic(), record.value()))
                    : new Outcome.Answered(results.deserialize(record.topic(), record.value())));
        } catch (RuntimeException e) {
            // The registry is down, or the record is not what the topic holds: say so now, not at the timeout.
            future.completeExceptionally(new ApiError(502, "server_error", ApiError.INTERNAL, "The answer on "
                    + record.topic() + " cannot be read: " + e.getMessage()));
        }
    }

    @Override
    public void close() {
        follower.close();
        pending.values().forEach(f -> f.cancel(false));
    }
}
