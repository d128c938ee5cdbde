package io.logitstream.app.batch;

import io.logitstream.app.KafkaEndpoint;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.serde.AvroSerializer;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces many PromptRequests at full speed: idempotent (a retried batch is written once), records
 * gathered into large compressed batches (linger), Avro in the Confluent wire format, keyed by
 * request_id. The producer's buffer bounds what is in flight: when it is full, {@link #send} waits,
 * so reading a large file never runs ahead of the broker by more than the buffer.
 */
public final class BatchProducer implements AutoCloseable {

    private final KafkaProducer<String, PromptRequest> producer;
    private final String topic;

    /** {@code timeout}: how long a send may wait for metadata or buffer space before failing. */
    public BatchProducer(KafkaEndpoint endpoint, String topic, Duration timeout) {
        Properties p = endpoint.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "logitstream-submit");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Math.max(1_000, timeout.toMillis())));
        this.producer = new KafkaProducer<>(p, new StringSerializer(),
                new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(endpoint.registryUrl())));
        this.topic = topic;
    }

    /** Sends asynchronously; {@code done} runs on the producer's I/O thread with the broker's answer. */
    public void send(PromptRequest request, Callback done) {
        if (request.getCreatedAtMs() == null) {
            request.setCreatedAtMs(System.currentTimeMillis());
        }
        producer.send(new ProducerRecord<>(topic, request.getRequestId(), request), done);
    }

    /** Waits until every request sent so far is acknowledged or failed. */
    public void flush() {
        producer.flush();
    }

    /**
     * True when {@code error} concerns only that record (retrying it would fail the same way), so
     * the others may go on; any other failure (the broker unreachable past the delivery timeout,
     * authorization, a fenced or failed idempotent producer) stops the batch.
     */
    public static boolean isRecordError(Exception error) {
        return error instanceof RecordTooLargeException || error instanceof InvalidRecordException;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
