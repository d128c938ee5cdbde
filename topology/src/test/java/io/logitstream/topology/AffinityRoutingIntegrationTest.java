package io.logitstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Prefix-aware routing on a real KRaft broker with a 4-partition request topic: every request of a
 * session lands on the one partition its session_id hashes to, a prefix_key likewise, and requests
 * without affinity keep Kafka's default placement by request_id. Keys stay the request_ids.
 */
class AffinityRoutingIntegrationTest {

    private static final int PARTITIONS = 4;
    private final Topics topics = Topics.defaults();

    @Test
    void requestsOfOneSessionOrPrefixKeyShareOnePartition() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            TopologyConfig config = TopologyConfig.from(Map.of(
                    "bootstrap.servers", kafka.bootstrapServers(),
                    "schema.registry.url", registry.url(),
                    "application.id", "affinity-it",
                    "state.dir", Files.createTempDirectory("streams").toString(),
                    "commit.interval.ms", "50",
                    TopologyConfig.REQUEST_PARTITIONS_KEY, String.valueOf(PARTITIONS),
                    TopologyConfig.MODELS_KEY, "m1"));
            List<PromptRequest> sent = new ArrayList<>();
            for (int turn = 0; turn < 10; turn++) {
                // chat-a and chat-b hash to different partitions of 4 (0 and 2), so a mix-up would show.
                sent.add(request("a-" + turn, "turn " + turn).setSessionId("chat-a").build());
                sent.add(request("b-" + turn, "turn " + turn).setSessionId("chat-b").build());
                sent.add(request("p-" + turn, "5-shot header, question " + turn).setPrefixKey("few-shot-mmlu").build());
                sent.add(request("plain-" + turn, "no affinity " + turn).build());
            }
            try (TopologyApp app = new TopologyApp(config).start()) {
                assertThat(app.awaitRunning(Duration.ofSeconds(60))).isTrue();
                var serializer = new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
                try (KafkaProducer<String, byte[]> producer = producer(kafka.bootstrapServers())) {
                    for (PromptRequest r : sent) {
                        producer.send(new ProducerRecord<>(topics.prompts(), r.getRequestId(),
                                serializer.serialize(topics.prompts(), r))).get();
                    }
                }
                List<ConsumerRecord<String, PromptRequest>> routed = read(kafka, registry, sent.size());

                assertThat(routed).hasSize(sent.size())
                        .allSatisfy(r -> assertThat(r.key()).isEqualTo(r.value().getRequestId()));
                Map<String, Set<Integer>> partitionsByGroup = routed.stream().collect(Collectors.groupingBy(
                        r -> group(r.value()), TreeMap::new, Collectors.mapping(ConsumerRecord::partition,
                                Collectors.toCollection(TreeSet::new))));
                assertThat(partitionsByGroup).containsEntry("chat-a", Set.of(expected("chat-a")))
                        .containsEntry("chat-b", Set.of(expected("chat-b")))
                        .containsEntry("few-shot-mmlu", Set.of(expected("few-shot-mmlu")));
                assertThat(expected("chat-a")).isNotEqualTo(expected("chat-b"));
                assertThat(routed).filteredOn(r -> group(r.value()).equals("plain")).hasSize(10)
                        .allSatisfy(r -> assertThat(r.partition()).isEqualTo(expected(r.key())));
            }
        }
    }

    private static int expected(String key) {
        return BuiltInPartitioner.partitionForKey(key.getBytes(StandardCharsets.UTF_8), PARTITIONS);
    }

    private static String group(PromptRequest r) {
        return r.getSessionId() != null ? r.getSessionId() : r.getPrefixKey() != null ? r.getPrefixKey() : "plain";
    }

    private static PromptRequest.Builder request(String id, String text) {
        return PromptRequest.newBuilder().setRequestId(id).setModel("m1").setTask(Task.SCORE).setText(text);
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Reads the committed records of m1's request topic, with their partitions, until {@code expected} arrived. */
    private List<ConsumerRecord<String, PromptRequest>> read(EmbeddedKafkaCluster kafka,
            SchemaRegistryProcess registry, int expected) {
        String topic = topics.requestsFor("m1");
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var deserializer = new AvroDeserializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
        List<ConsumerRecord<String, PromptRequest>> out = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (out.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.key(),
                            deserializer.deserialize(topic, r.value())));
                }
            }
        }
        return out;
    }
}
