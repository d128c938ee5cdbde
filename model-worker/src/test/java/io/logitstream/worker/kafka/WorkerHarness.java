package io.logitstream.worker.kafka;

import io.logitstream.contract.Topics;
import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.worker.task.RequestExecutor;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Drives a worker's poll loop step by step on the test thread, over MockConsumer and MockProducer.
 * It plays the broker: it keeps every record of each partition and, before each poll, hands the
 * consumer what a fetch from its current position would return (nothing for a paused partition),
 * so seeks and pauses behave as against a real log.
 */
final class WorkerHarness {

    static final String MODEL = "tiny";
    static final Topics TOPICS = Topics.defaults();
    static final String TOPIC = TOPICS.requestsFor(MODEL);

    final InMemorySchemaRegistryClient registry;
    final MockKafkaClients clients;
    final MockConsumer<byte[], byte[]> consumer;
    final MockProducer<byte[], byte[]> producer;
    final FakeExecutor executor = new FakeExecutor();
    final WorkerSettings settings;
    final PollLoop loop;
    private final Map<TopicPartition, NavigableMap<Long, ConsumerRecord<byte[], byte[]>>> log = new HashMap<>();

    WorkerHarness(Map<String, String> config) {
        this(config, new InMemorySchemaRegistryClient());
    }

    /** A harness sharing a registry with an earlier one (a restarted worker reads the same records). */
    WorkerHarness(Map<String, String> config, InMemorySchemaRegistryClient registry) {
        this(config, registry, null);
    }

    /** A harness whose loop hands requests to {@code served} (a real scheduler) instead of the fake executor. */
    WorkerHarness(Map<String, String> config, InMemorySchemaRegistryClient registry, RequestExecutor served) {
        this.registry = registry;
        this.clients = new MockKafkaClients(registry);
        this.consumer = clients.consumer;
        this.producer = clients.producer;
        this.settings = WorkerSettings.of("mock:9092", registry.url(), MODEL, "w1", config);
        this.loop = new PollLoop(settings, served == null ? executor : served, clients);
    }

    static TopicPartition partition(int n) {
        return new TopicPartition(TOPIC, n);
    }

    /** Starts the loop and has the group assign {@code partitions}, after {@code committed} was committed. */
    WorkerHarness start(Map<TopicPartition, OffsetAndMetadata> committed, TopicPartition... partitions) {
        Map<TopicPartition, Long> beginnings = new HashMap<>();
        Arrays.stream(partitions).forEach(p -> beginnings.put(p, 0L));
        consumer.updateBeginningOffsets(beginnings);
        loop.start();
        consumer.schedulePollTask(() -> {
            consumer.commitSync(committed);
            consumer.rebalance(List.of(partitions));
        });
        loop.pollOnce();
        return this;
    }

    WorkerHarness start(TopicPartition... partitions) {
        return start(Map.of(), partitions);
    }

    /** Appends a valid request at an offset (offsets left out are gaps, like transaction markers). */
    void request(TopicPartition partition, long offset, String requestId) {
        append(requestRecord(registry, partition, offset, requestId));
    }

    /** Appends {@code request} (any model, task and inputs) at an offset, keyed by its id. */
    void request(TopicPartition partition, long offset, PromptRequest request) {
        byte[] value = new AvroSerializer<>(PromptRequest.class, registry).serialize(TOPIC, request);
        record(partition, offset, request.getRequestId().getBytes(StandardCharsets.UTF_8), value);
    }

    void record(TopicPartition partition, long offset, byte[] key, byte[] value) {
        append(new ConsumerRecord<>(TOPIC, partition.partition(), offset, key, value));
    }

    private void append(ConsumerRecord<byte[], byte[]> record) {
        log.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), p -> new TreeMap<>())
                .put(record.offset(), record);
    }

    /** A SCORE request for the test model, keyed by its id, as the topology writes it. */
    static ConsumerRecord<byte[], byte[]> requestRecord(InMemorySchemaRegistryClient registry,
            TopicPartition partition, long offset, String requestId) {
        PromptRequest request = PromptRequest.newBuilder().setRequestId(requestId).setModel(MODEL)
                .setTask(Task.SCORE).setText("hello " + requestId).build();
        byte[] value = new AvroSerializer<>(PromptRequest.class, registry).serialize(TOPIC, request);
        return new ConsumerRecord<>(TOPIC, partition.partition(), offset,
                requestId.getBytes(StandardCharsets.UTF_8), value);
    }

    /** One iteration of the poll loop, after a fetch for every partition that is not paused. */
    void poll() {
        for (TopicPartition partition : consumer.assignment()) {
            if (consumer.paused().contains(partition)) {
                continue;
            }
            long position = consumer.position(partition);
            log.getOrDefault(partition, new TreeMap<>()).tailMap(position, true).values().stream()
                    .limit(settings.maxBatch()).forEach(consumer::addRecord);
        }
        loop.pollOnce();
    }

    /** Request ids of the committed results, in publication order. */
    List<String> publishedResults() {
        AvroDeserializer<ScoringResult> results = new AvroDeserializer<>(ScoringResult.class, registry);
        return producer.history().stream().filter(r -> r.topic().equals(TOPICS.results()))
                .map(r -> results.deserialize(r.topic(), r.value()).getRequestId()).toList();
    }

    List<ProducerRecord<byte[], byte[]>> deadLetterRecords() {
        return producer.history().stream().filter(r -> r.topic().equals(TOPICS.deadLetters())).toList();
    }

    DeadLetter deadLetter(ProducerRecord<byte[], byte[]> record) {
        return new AvroDeserializer<>(DeadLetter.class, registry).deserialize(record.topic(), record.value());
    }

    /** The offsets committed (in transactions) for every partition, latest commit last. */
    Map<TopicPartition, OffsetAndMetadata> committed() {
        Map<TopicPartition, OffsetAndMetadata> latest = new HashMap<>();
        producer.consumerGroupOffsetsHistory().forEach(byGroup -> byGroup.values().forEach(latest::putAll));
        return latest;
    }

    OffsetAndMetadata committed(TopicPartition partition) {
        return committed().get(partition);
    }

    /** The completed offsets a commit's metadata carries. */
    NavigableSet<Long> completedBeyond(OffsetAndMetadata commit) {
        return new CompletedOffsetsCodec(settings.offsetMetadataMaxBytes()).decode(commit.offset(), commit.metadata());
    }
}
