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
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows the output topics (results, token stream, dead letters) and hands each record to a
 * callback as it arrives. It assigns partitions directly (no consumer group), reads committed
 * data only for results, and starts at the end unless asked to replay from the beginning.
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

    private final Topics topics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final AvroDeserializer<ScoringResult> results;
    private final AvroDeserializer<TokenChunk> tokens;
    private final AvroDeserializer<DeadLetter> deadLetters;
    private final Consumer<Output> sink;
    private final AtomicBoolean closed = new AtomicBoolean();

    public OutputWatcher(String bootstrap, String registryUrl, Topics topics, boolean fromBeginning,
            Consumer<Output> sink) {
        this.topics = topics;
        this.sink = sink;
        SchemaRegistryClient registry = new RestSchemaRegistryClient(registryUrl);
        this.results = new AvroDeserializer<>(ScoringResult.class, registry);
        this.tokens = new AvroDeserializer<>(TokenChunk.class, registry);
        this.deadLetters = new AvroDeserializer<>(DeadLetter.class, registry);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted"); // token chunks are not transactional
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "logitstream-watch");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(topics.results(), topics.tokens(), topics.deadLetters())) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        if (fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
        partitions.forEach(consumer::position); // resolve now, so nothing sent after this returns is missed
    }

    @Override
    public void run() {
        try {
            while (!closed.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    sink.accept(decode(record));
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
