package io.logitstream.app;

import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TokenChunk;
import io.logitstream.serde.AvroDeserializer;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows the output topics (results, token stream, dead letters) and hands each record to a
 * callback as it arrives. It assigns partitions directly (no consumer group), reads committed
 * data only, and starts at the end unless asked to replay from the beginning. It says on stderr
 * when it loses the broker and when it has it back.
 */
public final class OutputWatcher implements Runnable, AutoCloseable {

    /** One decoded output record. */
    public sealed interface Output {
        record Result(ScoringResult value) implements Output {
        }

        record Token(TokenChunk value) implements Output {
        }

        record Dead(DeadLetter value) implements Output {
        }
    }

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final Topics topics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<ScoringResult> results;
    private final AvroDeserializer<TokenChunk> tokens;
    private final AvroDeserializer<DeadLetter> deadLetters;
    private final Consumer<Output> sink;
    private final BrokerConnectionMonitor connection;
    private final AtomicBoolean closed = new AtomicBoolean();

    public OutputWatcher(String bootstrap, String registryUrl, Topics topics, boolean fromBeginning,
            Consumer<Output> sink) {
        this(KafkaEndpoint.plain(bootstrap, registryUrl), topics, fromBeginning, DEFAULT_TIMEOUT, sink);
    }

    /**
     * Connects and positions on every partition of the three topics before returning, so nothing
     * written after this returns is missed. Fails with a message for a person when the broker cannot
     * be reached, answers no metadata (wrong security settings) or lacks a topic, within
     * {@code timeout}.
     */
    public OutputWatcher(KafkaEndpoint endpoint, Topics topics, boolean fromBeginning, Duration timeout,
            Consumer<Output> sink) {
        this.topics = topics;
        this.sink = sink;
        long deadline = System.nanoTime() + timeout.toNanos();
        BrokerReachability.await(endpoint.bootstrapServers(), timeout);
        SchemaRegistryClient registry = new RestSchemaRegistryClient(endpoint.registryUrl());
        this.results = new AvroDeserializer<>(ScoringResult.class, registry);
        this.tokens = new AvroDeserializer<>(TokenChunk.class, registry);
        this.deadLetters = new AvroDeserializer<>(DeadLetter.class, registry);
        Properties p = endpoint.clientProperties();
        // Committed data only, as the contract promises: results are written in transactions. Token
        // chunks are written outside any transaction and a committed-only reader gets them at once.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "logitstream-watch");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.results(), topics.tokens(), topics.deadLetters())) {
                partitions.addAll(partitionsOf(topic, endpoint, deadline));
            }
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            partitions.forEach(tp -> consumer.position(tp, remaining(deadline))); // resolve now: see above
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
        this.connection = new BrokerConnectionMonitor(endpoint.bootstrapServers(), consumer::metrics,
                System::currentTimeMillis, notice -> System.err.println("logitstream: " + notice));
    }

    private List<TopicPartition> partitionsOf(String topic, KafkaEndpoint endpoint, long deadline) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, remaining(deadline));
        } catch (KafkaException e) { // a timeout, or an authentication failure
            throw new IllegalStateException("the broker at " + endpoint.bootstrapServers() + " accepts connections"
                    + " but answered no metadata; if it requires SASL or TLS, give the client settings with --config"
                    + " or LOGITSTREAM_KAFKA_* variables (" + e.getMessage() + ")", e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist on " + endpoint.bootstrapServers()
                    + " yet; the topology and the workers create it when they start");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
    }

    @Override
    public void run() {
        try {
            while (!closed.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    sink.accept(decode(record));
                }
                connection.check();
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                throw e;
            }
        } finally {
            consumer.close();
        }
    }

    private Output decode(ConsumerRecord<String, byte[]> record) {
        String topic = record.topic();
        if (topic.equals(topics.tokens())) {
            return new Output.Token(tokens.deserialize(topic, record.value()));
        }
        if (topic.equals(topics.deadLetters())) {
            return new Output.Dead(deadLetters.deserialize(topic, record.value()));
        }
        return new Output.Result(results.deserialize(topic, record.value()));
    }

    @Override
    public void close() {
        closed.set(true);
        consumer.wakeup();
    }

    /** Prints each output as one JSON line: {"topic": "...", "value": {...}}. */
    public static Consumer<Output> jsonLines(PrintStream out, Topics topics) {
        return output -> {
            String topic;
            Object value;
            if (output instanceof Output.Result r) {
                topic = topics.results();
                value = r.value();
            } else if (output instanceof Output.Token t) {
                topic = topics.tokens();
                value = t.value();
            } else {
                topic = topics.deadLetters();
                value = ((Output.Dead) output).value();
            }
            out.println("{\"topic\": \"" + topic + "\", \"value\": " + value + "}");
            out.flush();
        };
    }
}
