package io.logitstream.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TestkitStackTest {

  private static EmbeddedKafkaCluster kafka;
  private static SchemaRegistryProcess registry;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void startStack() {
    long t0 = System.nanoTime();
    // A short broker session (default 9 s), so that the restart test's broker registers again at once.
    kafka = EmbeddedKafkaCluster.start(
        Map.of("broker.session.timeout.ms", "3000", "broker.heartbeat.interval.ms", "500"));
    long t1 = System.nanoTime();
    registry = SchemaRegistryProcess.start();
    long t2 = System.nanoTime();
    System.out.printf(
        "embedded kafka ready in %d ms, schema registry ready in %d ms%n",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
  }

  @AfterAll
  static void stopStack() {
    if (registry != null) {
      registry.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void producesAndConsumesOneRecordTransactionally() {
    kafka.createTopics("testkit.in");
    kafka.createTopics(3, "testkit.wide");
    assertThat(kafka.admin().describeTopics(List.of("testkit.wide")).topicNameValues()).hasSize(1);

    Map<String, Object> producerConfig =
        Map.of(
            "bootstrap.servers", kafka.bootstrapServers(),
            "transactional.id", "testkit-tx",
            "key.serializer", StringSerializer.class.getName(),
            "value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("testkit.in", "req-1", "hello"));
      producer.commitTransaction();
    }

    Map<String, Object> consumerConfig =
        Map.of(
            "bootstrap.servers", kafka.bootstrapServers(),
            "group.id", "testkit-group",
            "auto.offset.reset", "earliest",
            "isolation.level", "read_committed",
            "key.deserializer", StringDeserializer.class.getName(),
            "value.deserializer", StringDeserializer.class.getName());
    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
      consumer.subscribe(Set.of("testkit.in"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (received.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(received::add);
      }
      consumer.commitSync();
    }
    assertThat(received).hasSize(1);
    assertThat(received.get(0).key()).isEqualTo("req-1");
    assertThat(received.get(0).value()).isEqualTo("hello");
  }

  @Test
  void aRestartedBrokerServesTheSameDataOnTheSamePort() throws Exception {
    kafka.createTopics("testkit.restart");
    TopicPartition partition = new TopicPartition("testkit.restart", 0);
    String bootstrap = kafka.bootstrapServers();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
        "bootstrap.servers", bootstrap, "transactional.id", "testkit-restart-tx",
        "key.serializer", StringSerializer.class.getName(),
        "value.serializer", StringSerializer.class.getName()))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>("testkit.restart", "k", "before the restart"));
      producer.commitTransaction();
    }
    kafka.admin().alterConsumerGroupOffsets("testkit-restart-group",
        Map.of(partition, new OffsetAndMetadata(1))).all().get();

    kafka.stopBroker();
    kafka.startBroker();

    assertThat(kafka.bootstrapServers()).isEqualTo(bootstrap);
    assertThat(kafka.admin().listConsumerGroupOffsets("testkit-restart-group")
        .partitionsToOffsetAndMetadata().get()).containsEntry(partition, new OffsetAndMetadata(1));
    Map<String, Object> consumerConfig = Map.of(
        "bootstrap.servers", bootstrap, "group.id", "testkit-restart-reader",
        "auto.offset.reset", "earliest", "isolation.level", "read_committed",
        "key.deserializer", StringDeserializer.class.getName(),
        "value.deserializer", StringDeserializer.class.getName());
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
      consumer.subscribe(Set.of("testkit.restart"));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
    }
    assertThat(values).containsExactly("before the restart");
  }

  @Test
  void registersSchemasThroughTheConfluentApi() throws Exception {
    assertThat(registry.url()).isEqualTo("http://localhost:" + registry.port() + "/apis/ccompat/v7");
    String v1 = avro("{\"name\":\"a\",\"type\":\"string\"}");
    String v2 = avro("{\"name\":\"a\",\"type\":\"string\"},"
        + "{\"name\":\"b\",\"type\":[\"null\",\"int\"],\"default\":null}");
    String incompatible = avro("{\"name\":\"a\",\"type\":\"int\"}");

    HttpResponse<String> created = post("/subjects/testkit-value/versions", v1);
    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(created.body()).matches("\\{\"id\":\\d+}");
    String id = created.body().replaceAll("\\D", "");

    HttpResponse<String> byId = get("/schemas/ids/" + id);
    assertThat(byId.statusCode()).isEqualTo(200);
    assertThat(byId.body()).contains("\\\"name\\\":\\\"R\\\"");

    assertThat(put("/config/testkit-value", "{\"compatibility\":\"BACKWARD\"}").statusCode())
        .isEqualTo(200);
    assertThat(post("/subjects/testkit-value/versions", incompatible).statusCode()).isEqualTo(409);
    assertThat(post("/subjects/testkit-value/versions", v2).statusCode()).isEqualTo(200);
    assertThat(get("/subjects/testkit-value/versions").body()).isEqualTo("[1,2]");
  }

  private static String avro(String fields) {
    String schema = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[" + fields + "]}";
    return "{\"schema\":\"" + schema.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(registry.url() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String json) throws Exception {
    return send("POST", path, json);
  }

  private static HttpResponse<String> put(String path, String json) throws Exception {
    return send("PUT", path, json);
  }

  private static HttpResponse<String> send(String method, String path, String json)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(registry.url() + path))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .method(method, HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
