package io.logitstream.app.chaos;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Whether the worker pool has consumed and committed every request routed to it: the point after
 * which no further result (in particular no late duplicate) can appear.
 *
 * <p>The bar is, per partition, one past the offset of the last request record. The topic's end
 * offset would not do: the topology writes the request topic transactionally, and the commit
 * marker after the last record takes an offset that a consumer never commits past.
 */
final class WorkerGroupProgress {

    private final Admin admin;
    private final String groupId;
    private final Map<TopicPartition, Long> bar = new HashMap<>();

    private WorkerGroupProgress(Admin admin, String groupId) {
        this.admin = admin;
        this.groupId = groupId;
    }

    /** Reads {@code requestTopic} (read_committed) until all {@code requestIds} are seen, to set the bar. */
    static WorkerGroupProgress of(Admin admin, String bootstrap, String groupId, String requestTopic,
            Set<String> requestIds, Duration timeout) {
        WorkerGroupProgress progress = new WorkerGroupProgress(admin, groupId);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "chaos-requests-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Set<String> pending = new HashSet<>(requestIds);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = TopicPartitions.of(consumer, requestTopic, timeout);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (!pending.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(pending.size() + " requests never reached " + requestTopic
                            + " within " + timeout + ", e.g. " + pending.iterator().next());
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    pending.remove(record.key());
                    progress.bar.merge(new TopicPartition(record.topic(), record.partition()), record.offset() + 1,
                            Math::max);
                }
            }
        }
        return progress;
    }

    /** True once the group's committed offset reaches the bar on every partition that holds requests. */
    boolean allCommitted() {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
        } catch (ExecutionException e) {
            return false; // e.g. the coordinator is loading after a member died: ask again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return bar.entrySet().stream().allMatch(e -> {
            OffsetAndMetadata offset = committed.get(e.getKey());
            return offset != null && offset.offset() >= e.getValue();
        });
    }

    /** Per partition: committed offset / bar, for failure messages. */
    String describe() {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
            StringBuilder out = new StringBuilder();
            bar.forEach((tp, need) -> out.append(tp).append(": committed ")
                    .append(committed.get(tp) == null ? "none" : committed.get(tp).offset())
                    .append(" of ").append(need).append("; "));
            return out.toString();
        } catch (ExecutionException e) {
            return "(offsets of group " + groupId + " unavailable: " + e.getCause() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }
}
