package io.logitstream.worker.kafka;

import io.logitstream.schema.TokenChunk;
import io.logitstream.worker.task.TokenSink;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes token chunks as they are produced, outside the result transaction: a reader of
 * committed data would otherwise see no token until the request is done. The producer is
 * idempotent; a request served again (after a crash, or by the next owner of a partition that
 * moved while it computed) may send a chunk twice, and readers dedupe on (request_id, seq).
 */
final class KafkaTokenSink implements TokenSink {

    private static final Logger log = LoggerFactory.getLogger(KafkaTokenSink.class);

    private final Producer<String, byte[]> producer;
    private final Serializer<TokenChunk> serializer;
    private final String topic;

    KafkaTokenSink(Producer<String, byte[]> producer, Serializer<TokenChunk> serializer, String topic) {
        this.producer = producer;
        this.serializer = serializer;
        this.topic = topic;
    }

    @Override
    public void send(TokenChunk chunk) {
        byte[] value;
        try {
            value = serializer.serialize(topic, chunk);
        } catch (RuntimeException e) {
            // The registry failed even after the client's retries (it is down or restarting). A chunk
            // is a live preview; throwing here would fail every request the serving loop is running.
            // The final result still carries the whole output.
            log.warn("Token chunk {}#{} was not published: cannot serialize it ({})", chunk.getRequestId(),
                    chunk.getSeq(), e.getMessage());
            return;
        }
        producer.send(new ProducerRecord<>(topic, chunk.getRequestId(), value),
                (metadata, error) -> {
                    if (error != null) {
                        log.warn("Token chunk {}#{} was not published: {}", chunk.getRequestId(), chunk.getSeq(),
                                error.toString());
                    }
                });
    }
}
