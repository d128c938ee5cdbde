package io.logitstream.app;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.serde.AvroSerializer;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produces PromptRequests to the prompts topic, keyed by request_id as the contract asks. */
public final class RequestSender implements AutoCloseable {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final KafkaProducer<String, PromptRequest> producer;
    private final String topic;

    public RequestSender(String bootstrap, String registryUrl, String topic) {
        this(KafkaEndpoint.plain(bootstrap, registryUrl), topic, DEFAULT_TIMEOUT);
    }

    /**
     * A sender whose {@link #send} gives up after about {@code timeout} (metadata, buffer and the
     * broker's acknowledgement together) unless the client settings name their own timeouts.
     */
    public RequestSender(KafkaEndpoint endpoint, String topic, Duration timeout) {
        Properties p = endpoint.clientProperties();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "logitstream-send");
        long ms = Math.max(1_000, timeout.toMillis());
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(ms));
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(ms, 30_000)));
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "0"); // one record: nothing to wait for
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
        long floor = Long.parseLong(p.get(ProducerConfig.LINGER_MS_CONFIG).toString().trim())
                + Long.parseLong(p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG).toString().trim());
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(ms, floor)));
        this.producer = new KafkaProducer<>(p, new StringSerializer(),
                new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(endpoint.registryUrl())));
        this.topic = topic;
    }

    /** Sends and waits for the broker's acknowledgement. */
    public RecordMetadata send(PromptRequest request) throws ExecutionException, InterruptedException {
        if (request.getCreatedAtMs() == null) {
            request.setCreatedAtMs(System.currentTimeMillis());
        }
        return producer.send(new ProducerRecord<>(topic, request.getRequestId(), request)).get();
    }

    @Override
    public void close() {
        producer.close();
    }
}
