package io.logitstream.app;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.serde.AvroSerializer;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produces PromptRequests to the prompts topic, keyed by request_id as the contract asks. */
public final class RequestSender implements AutoCloseable {

    private final KafkaProducer<String, PromptRequest> producer;
    private final String topic;

    public RequestSender(String bootstrap, String registryUrl, String topic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "logitstream-send");
        this.producer = new KafkaProducer<>(p, new StringSerializer(),
                new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(registryUrl)));
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
