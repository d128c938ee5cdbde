package io.logitstream.gateway.kafka;

import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.serde.AvroSerializer;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The one producer every HTTP request shares: PromptRequests to the prompts topic, keyed by
 * request_id as the contract asks, in the Confluent wire format. Idempotent (Kafka's default),
 * so a retried send never makes a duplicate the topology would answer with DUPLICATE.
 */
public final class PromptProducer implements AutoCloseable {

    private final KafkaProducer<String, PromptRequest> producer;
    private final String topic;

    public PromptProducer(Properties client, String topic, SchemaRegistryClient registry) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "logitstream-gateway");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "1"); // concurrent requests share a batch
        // An HTTP thread must not hang a minute on a broker that is gone: it answers 503 sooner.
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(PromptRequest.class,
                registry));
        this.topic = topic;
    }

    /** Completes when the broker has the request, exceptionally when it could not take it. */
    public CompletableFuture<Void> send(PromptRequest request) {
        if (request.getCreatedAtMs() == null) {
            request.setCreatedAtMs(System.currentTimeMillis());
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, request.getRequestId(), request), (meta, error) -> {
                if (error != null) {
                    sent.completeExceptionally(error);
                } else {
                    sent.complete(null);
                }
            });
        } catch (RuntimeException e) { // metadata wait timed out, serialization (registry) failed
            sent.completeExceptionally(e);
        }
        return sent;
    }

    @Override
    public void close() {
        producer.close();
    }
}
