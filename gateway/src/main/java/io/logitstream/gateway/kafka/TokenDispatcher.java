package io.logitstream.gateway.kafka;

import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.TokenChunk;
import io.logitstream.serde.AvroDeserializer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Live token chunks for streamed answers, from ONE consumer of the token topic. Chunks are written
 * outside the workers' transactions, so they are read uncommitted, as they are produced; they may
 * repeat after a worker crash, and the listener dedupes on (request_id, seq).
 */
public final class TokenDispatcher implements AutoCloseable {

    private final Map<String, Consumer<TokenChunk>> listeners = new ConcurrentHashMap<>();
    private final AvroDeserializer<TokenChunk> chunks;
    private final TopicFollower follower;

    public TokenDispatcher(Properties client, String tokensTopic, SchemaRegistryClient registry,
            Duration startupTimeout) {
        this.chunks = new AvroDeserializer<>(TokenChunk.class, registry);
        this.follower = new TopicFollower("tokens", client, List.of(tokensTopic), "read_uncommitted", startupTimeout,
                listeners::containsKey, this::dispatch);
    }

    /** Sends the chunks of {@code requestId} to {@code listener} until the returned handle is closed. */
    public AutoCloseable subscribe(String requestId, Consumer<TokenChunk> listener) {
        listeners.put(requestId, listener);
        return () -> listeners.remove(requestId);
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        Consumer<TokenChunk> listener = listeners.get(record.key());
        if (listener != null) {
            listener.accept(chunks.deserialize(record.topic(), record.value()));
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}
