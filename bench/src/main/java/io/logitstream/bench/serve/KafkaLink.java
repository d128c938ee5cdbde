package io.logitstream.bench.serve;

import io.logitstream.contract.AdminTopicCreator;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The client side of the Kafka path, as a producer of the contract sees it: requests go to
 * {@code llm.prompts}; a follower thread reads {@code llm.tokens}, {@code llm.results} (committed
 * only) and {@code llm.dlq} and reports each record to the trace of its request.
 */
public final class KafkaLink implements AutoCloseable {
    private final Topics topics = Topics.defaults();
    private final KafkaProducer<String, PromptRequest> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<ScoringResult> results;
    private final AvroDeserializer<TokenChunk> tokens;
    private final AvroDeserializer<DeadLetter> deadLetters;
    private final Map<String, RequestTrace> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread follower;

    public KafkaLink(String bootstrap, String registryUrl) {
        ensureTopics(bootstrap);
        SchemaRegistryClient registry = new RestSchemaRegistryClient(registryUrl);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0"); // a request's clock starts when it is sent: no batching delay
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "logitstream-bench-serve");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new AvroSerializer<>(PromptRequest.class, registry));
        this.results = new AvroDeserializer<>(ScoringResult.class, registry);
        this.tokens = new AvroDeserializer<>(TokenChunk.class, registry);
        this.deadLetters = new AvroDeserializer<>(DeadLetter.class, registry);
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // results are written in transactions: count a result once it is committed, as a client would.
        // Token chunks are not transactional, so reading committed data does not delay them.
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "logitstream-bench-follower");
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.results(), topics.tokens(), topics.deadLetters())) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve now: nothing sent after this returns is missed
        this.follower = new Thread(this::follow, "bench-serve-follower");
        follower.setDaemon(true);
        follower.start();
    }

    /**
     * Requests through this link, addressed to the worker pool serving {@code modelName};
     * {@code failure} says when that pool can no longer answer (null while it can).
     */
    public ServeTarget target(String modelName, String label, Supplier<String> failure) {
        return new ServeTarget() {
            @Override
            public String label() {
                return label;
            }

            @Override
            public String modelName() {
                return modelName;
            }

            @Override
            public void submit(PromptRequest request, RequestTrace trace) {
                send(request, trace);
            }

            @Override
            public String failure() {
                return failure.get();
            }
        };
    }

    private void send(PromptRequest request, RequestTrace trace) {
        inFlight.put(request.getRequestId(), trace);
        trace.markSent();
        request.setCreatedAtMs(System.currentTimeMillis());
        producer.send(new ProducerRecord<>(topics.prompts(), request.getRequestId(), request), (metadata, error) -> {
            if (error != null) {
                trace.fail("not sent: " + error);
            }
        });
    }

    private void follow() {
        try {
            while (!closed.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    dispatch(record);
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        String topic = record.topic();
        if (topic.equals(topics.tokens())) {
            TokenChunk chunk = tokens.deserialize(topic, record.value());
            RequestTrace trace = inFlight.get(chunk.getRequestId());
            if (trace != null) {
                trace.chunk(chunk.getSeq());
            }
        } else if (topic.equals(topics.results())) {
            ScoringResult result = results.deserialize(topic, record.value());
            RequestTrace trace = inFlight.remove(result.getRequestId());
            if (trace != null) {
                trace.finish(result);
            }
        } else {
            DeadLetter dead = deadLetters.deserialize(topic, record.value());
            RequestTrace trace = dead.getRequestId() == null ? null : inFlight.remove(dead.getRequestId());
            if (trace != null) {
                trace.fail("dead letter at " + dead.getStage() + ": " + dead.getErrorCode() + ": "
                        + dead.getErrorMessage());
            }
        }
    }

    /** The topics a client reads and writes, created when missing (as the topology and the workers do). */
    private void ensureTopics(String bootstrap) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "logitstream-bench-admin");
        try (AdminTopicCreator creator = new AdminTopicCreator(Admin.create(props), 3, (short) -1)) {
            for (String topic : List.of(topics.prompts(), topics.results(), topics.tokens(), topics.deadLetters())) {
                creator.ensure(topic);
            }
        }
    }

    @Override
    public void close() {
        closed.set(true);
        consumer.wakeup();
        try {
            follower.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
