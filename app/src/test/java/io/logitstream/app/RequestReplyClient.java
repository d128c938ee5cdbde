package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An end-to-end test's client: sends one request at a time to the prompts topic and waits for
 * what answers it, its committed result or its dead letter (read_committed, so only what a real
 * consumer would see).
 */
final class RequestReplyClient implements AutoCloseable {
    private final Topics topics;
    private final Duration timeout;
    private final KafkaProducer<String, byte[]> producer;
    private final AvroSerializer<PromptRequest> serializer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<ScoringResult> results;
    private final AvroDeserializer<DeadLetter> deadLetters;
    private final Map<String, Object> seen = new HashMap<>();

    RequestReplyClient(String bootstrap, String registryUrl, Topics topics, Duration timeout) {
        this.topics = topics;
        this.timeout = timeout;
        this.producer = EndToEndScenario.producer(bootstrap);
        this.serializer = new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(registryUrl));
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics.results(), topics.deadLetters()));
        this.results = new AvroDeserializer<>(ScoringResult.class, new RestSchemaRegistryClient(registryUrl));
        this.deadLetters = new AvroDeserializer<>(DeadLetter.class, new RestSchemaRegistryClient(registryUrl));
    }

    /** The request's result, whatever its status. */
    ScoringResult result(PromptRequest request) throws Exception {
        Object answer = await(request);
        assertThat(answer).as("%s answered on the results topic", request.getRequestId())
                .isInstanceOf(ScoringResult.class);
        return (ScoringResult) answer;
    }

    /** The request's result, which must be OK. */
    ScoringResult okResult(PromptRequest request) throws Exception {
        ScoringResult result = result(request);
        assertThat(result.getStatus()).as("%s: %s", request.getRequestId(), result.getError())
                .isEqualTo(ResultStatus.OK);
        return result;
    }

    /** The request's dead letter. */
    DeadLetter deadLetter(PromptRequest request) throws Exception {
        Object answer = await(request);
        assertThat(answer).as("%s dead-lettered", request.getRequestId()).isInstanceOf(DeadLetter.class);
        return (DeadLetter) answer;
    }

    private Object await(PromptRequest request) throws Exception {
        producer.send(new ProducerRecord<>(topics.prompts(), request.getRequestId(),
                serializer.serialize(topics.prompts(), request))).get();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!seen.containsKey(request.getRequestId())) {
            assertThat(System.nanoTime()).as("waiting for %s", request.getRequestId()).isLessThan(deadline);
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                if (record.topic().equals(topics.deadLetters())) {
                    DeadLetter d = deadLetters.deserialize(topics.deadLetters(), record.value());
                    seen.put(d.getRequestId() != null ? d.getRequestId() : record.key(), d);
                } else {
                    ScoringResult r = results.deserialize(topics.results(), record.value());
                    seen.put(r.getRequestId(), r);
                }
            }
        }
        return seen.get(request.getRequestId());
    }

    @Override
    public void close() {
        producer.close();
        consumer.close();
    }
}
