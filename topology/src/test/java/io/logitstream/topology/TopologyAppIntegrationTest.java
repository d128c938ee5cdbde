package io.logitstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The routing application on a real KRaft broker and a real registry, with exactly-once
 * processing: topics are created on start, valid requests reach their model's topic once (a
 * duplicate is answered with a DUPLICATE error result), bad ones reach the dead-letter topic, unknown
 * models get an error result.
 */
class TopologyAppIntegrationTest {

    private final Topics topics = Topics.defaults();

    @Test
    void routesDedupesAndDeadLettersOnARealBroker() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            TopologyConfig config = TopologyConfig.from(Map.of(
                    "bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", registry.url(),
                    "application.id", "routing-it",
                    "state.dir", Files.createTempDirectory("streams").toString(),
                    "commit.interval.ms", "50",
                    TopologyConfig.MODELS_KEY, "m1,m2"));
            try (TopologyApp app = new TopologyApp(config).start()) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                org.apache.kafka.clients.producer.RecordMetadata junk;
                var serializer = new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
                try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
                    for (PromptRequest r : List.of(score("a", "m1"), score("b", "m2"), score("a", "m1"),
                            score("c", "unknown"))) {
                        producer.send(new ProducerRecord<>(topics.prompts(), r.getRequestId(),
                                serializer.serialize(topics.prompts(), r))).get();
                    }
                    junk = producer.send(new ProducerRecord<>(topics.prompts(), "junk", new byte[] {1, 2, 3})).get();
                }

                var m1 = read(kafka, registry, topics.requestsFor("m1"), PromptRequest.class, 1);
                var m2 = read(kafka, registry, topics.requestsFor("m2"), PromptRequest.class, 1);
                var dlq = read(kafka, registry, topics.deadLetters(), DeadLetter.class, 1);
                var results = read(kafka, registry, topics.results(), ScoringResult.class, 2);

                assertThat(m1).extracting(PromptRequest::getRequestId).containsExactly("a"); // duplicate not routed
                assertThat(m2).extracting(PromptRequest::getRequestId).containsExactly("b");
                assertThat(dlq).singleElement().satisfies(d -> {
                    assertThat(d.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
                    assertThat(d.getSourcePartition()).isEqualTo(junk.partition());
                    assertThat(d.getSourceOffset()).isEqualTo(junk.offset());
                });
                assertThat(results).extracting(r -> r.getRequestId() + ":" + r.getError().getCode())
                        .containsExactlyInAnyOrder("a:" + ErrorCodes.DUPLICATE, "c:" + ErrorCodes.UNKNOWN_MODEL);
            }
        }
    }

    private static PromptRequest score(String id, String model) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model).setTask(Task.SCORE).setText("hi there").build();
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Reads committed records until {@code expected} arrived, then keeps reading for a moment so
     * that an unwanted extra record (a duplicate that slipped through) would be seen.
     */
    private static <T extends org.apache.avro.specific.SpecificRecord> List<T> read(EmbeddedKafkaCluster kafka,
            SchemaRegistryProcess registry, String topic, Class<T> type, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var deserializer = new AvroDeserializer<>(type, new RestSchemaRegistryClient(registry.url()));
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long settleUntil = Long.MAX_VALUE;
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    out.add(deserializer.deserialize(topic, record.value()));
                }
                if (out.size() >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                }
            }
        }
        return out;
    }
}
