package io.logitstream.app.runs;

import io.logitstream.app.BrokerReachability;
import io.logitstream.app.KafkaEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
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
 * Reads whole topics from the beginning, committed data only, without a consumer group (every
 * partition assigned, nothing committed): either up to where they ended when the read began (a
 * run's records as of now), or following them until told to stop.
 */
public final class TopicReader implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();

    /**
     * Connects and assigns every partition of {@code topics}, positioned at the beginning. Fails with
     * a message for a person when the broker cannot be reached or a topic does not exist within
     * {@code timeout}.
     */
    public TopicReader(KafkaEndpoint endpoint, List<String> topics, Duration timeout, String clientId) {
        BrokerReachability.await(endpoint.bootstrapServers(), timeout);
        Properties p = endpoint.clientProperties();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(4 << 20));
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            for (String topic : topics) {
                partitions.addAll(partitionsOf(topic, endpoint, timeout));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    private List<TopicPartition> partitionsOf(String topic, KafkaEndpoint endpoint, Duration timeout) {
        List<PartitionInfo> infos;
        try {
            infos = consumer.partitionsFor(topic, timeout);
        } catch (KafkaException e) { // a timeout, or an authentication failure
            throw new IllegalStateException("the broker at " + endpoint.bootstrapServers() + " answered no metadata"
                    + " for " + topic + "; if it requires SASL or TLS, give the client settings with --config"
                    + " or LOGITSTREAM_KAFKA_* variables (" + e.getMessage() + ")", e);
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist on " + endpoint.bootstrapServers()
                    + " yet; the topology and the workers create it when they start");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    /** Hands every record up to the topics' current ends (last stable offsets) to {@code sink}. */
    public void readToEnd(Consumer<ConsumerRecord<String, byte[]>> sink) {
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        List<TopicPartition> pending = new ArrayList<>(partitions);
        pending.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
        while (!pending.isEmpty()) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition()))) {
                    sink.accept(record);
                }
            }
            pending.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
        }
    }

    /** Hands every record to {@code sink} as it arrives until {@code stop} holds or {@link #wakeup} is called. */
    public void follow(Consumer<ConsumerRecord<String, byte[]>> sink, BooleanSupplier stop) {
        try {
            while (!stop.getAsBoolean()) {
                consumer.poll(POLL).forEach(sink);
            }
        } catch (WakeupException e) {
            // asked to stop
        }
    }

    /** Interrupts a {@link #follow} from another thread. */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
