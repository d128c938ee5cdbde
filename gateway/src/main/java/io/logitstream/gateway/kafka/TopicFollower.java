package io.logitstream.gateway.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer that reads every partition of some topics from their end at start (no consumer
 * group: each gateway sees every answer), on a thread of its own, and hands on only the records
 * whose key (the request_id) someone waits for; other records are never decoded. Partitions added
 * to the topics later are picked up from their beginning.
 */
final class TopicFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TopicFollower.class);
    private static final Duration REFRESH = Duration.ofSeconds(30);

    private final String name;
    private final List<String> topics;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Predicate<String> wanted;
    private final Consumer<ConsumerRecord<String, byte[]>> handler;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private final Set<TopicPartition> assigned = new HashSet<>();

    /**
     * Assigns and positions every partition before returning, so that nothing written after this
     * returns is missed. Waits up to {@code startupTimeout} for the topics to exist (the topology and
     * the workers create them).
     */
    TopicFollower(String name, Properties client, List<String> topics, String isolation, Duration startupTimeout,
            Predicate<String> wanted, Consumer<ConsumerRecord<String, byte[]>> handler) {
        this.name = name;
        this.topics = List.copyOf(topics);
        this.wanted = wanted;
        this.handler = handler;
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "logitstream-gateway-" + name);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<TopicPartition> partitions = awaitPartitions(startupTimeout);
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(tp -> consumer.position(tp, startupTimeout));
            assigned.addAll(partitions);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
        this.thread = new Thread(this::run, "gateway-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private List<TopicPartition> awaitPartitions(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> missing = new ArrayList<>();
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos;
                try {
                    infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                } catch (KafkaException e) { // a timeout, or an authentication failure
                    infos = List.of();
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the broker answered no metadata for " + topic + "; if it"
                                + " requires SASL or TLS, give the client settings with --config or"
                                + " LOGITSTREAM_KAFKA_* variables (" + e.getMessage() + ")", e);
                    }
                }
                if (infos == null || infos.isEmpty()) {
                    missing.add(topic);
                } else {
                    infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
                }
            }
            if (missing.isEmpty()) {
                return partitions;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + missing + " do not exist; the topology and the workers"
                        + " create them when they start");
            }
            sleep(500);
        }
    }

    private void run() {
        long nextRefresh = System.nanoTime() + REFRESH.toNanos();
        try {
            while (!closed.get()) {
                try {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        if (record.key() != null && wanted.test(record.key())) {
                            handle(record);
                        }
                    }
                    if (System.nanoTime() > nextRefresh) {
                        addNewPartitions();
                        nextRefresh = System.nanoTime() + REFRESH.toNanos();
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (KafkaException e) {
                    log.warn("{}: reading failed ({}); retrying", name, e.toString());
                    sleep(1000);
                }
            }
        } catch (WakeupException e) {
            if (!closed.get()) {
                log.error("{} stopped unexpectedly", name, e);
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        try {
            handler.accept(record);
        } catch (RuntimeException e) { // one record that cannot be read must not stop the others' answers
            log.warn("{}: cannot read the record at {}-{}@{}: {}", name, record.topic(), record.partition(),
                    record.offset(), e.toString());
        }
    }

    private void addNewPartitions() {
        List<TopicPartition> added = new ArrayList<>();
        for (String topic : topics) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(5))) {
                TopicPartition tp = new TopicPartition(topic, info.partition());
                if (assigned.add(tp)) {
                    added.add(tp);
                }
            }
        }
        if (!added.isEmpty()) {
            consumer.assign(new ArrayList<>(assigned));
            consumer.seekToBeginning(added);
            log.info("{}: following new partitions {}", name, added);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            consumer.wakeup();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
