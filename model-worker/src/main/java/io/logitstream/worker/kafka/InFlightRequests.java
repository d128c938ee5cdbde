package io.logitstream.worker.kafka;

import io.logitstream.schema.ScoringResult;
import io.logitstream.worker.task.RequestExecutor;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The requests submitted to the executor and not answered yet, by partition; used by the poll
 * thread only. An entry is identified by the object itself, not by its offset: a late answer to a
 * request that was cancelled (its partition moved away, perhaps to come back later) never matches
 * the entry of a newer submission of the same offset.
 */
final class InFlightRequests {

    /** One submitted request. */
    static final class Entry {
        final TopicPartition partition;
        final long offset;
        final String requestId;
        private RequestExecutor.Ticket ticket;

        Entry(TopicPartition partition, long offset, String requestId) {
            this.partition = partition;
            this.offset = offset;
            this.requestId = requestId;
        }

        @Override
        public String toString() {
            return requestId + " (" + partition + "@" + offset + ")";
        }
    }

    /** The answer to an entry, handed from the serving thread to the poll thread. */
    record Completion(Entry entry, ScoringResult result) {
    }

    private final Map<TopicPartition, Map<Long, Entry>> byPartition = new HashMap<>();
    private int size;

    Entry add(TopicPartition partition, long offset, String requestId) {
        Entry entry = new Entry(partition, offset, requestId);
        if (byPartition.computeIfAbsent(partition, p -> new HashMap<>()).putIfAbsent(offset, entry) != null) {
            throw new IllegalStateException("Offset " + partition + "@" + offset + " is already in flight");
        }
        size++;
        return entry;
    }

    /** Remembers how to cancel the entry; the executor may already have answered it. */
    void attach(Entry entry, RequestExecutor.Ticket ticket) {
        entry.ticket = ticket;
    }

    /** Takes the entry out because it was answered; false when it was no longer in flight (cancelled). */
    boolean answered(Entry entry) {
        Map<Long, Entry> entries = byPartition.get(entry.partition);
        if (entries == null || entries.get(entry.offset) != entry) {
            return false;
        }
        entries.remove(entry.offset);
        if (entries.isEmpty()) {
            byPartition.remove(entry.partition);
        }
        size--;
        return true;
    }

    int size() {
        return size;
    }

    int countIn(Collection<TopicPartition> partitions) {
        return partitions.stream().mapToInt(p -> byPartition.getOrDefault(p, Map.of()).size()).sum();
    }

    /** Cancels every request of these partitions; their answers, if any still come, are dropped. */
    int cancel(Collection<TopicPartition> partitions) {
        int cancelled = 0;
        for (TopicPartition partition : partitions) {
            Map<Long, Entry> entries = byPartition.remove(partition);
            if (entries == null) {
                continue;
            }
            for (Entry entry : entries.values()) {
                if (entry.ticket != null) {
                    entry.ticket.cancel();
                }
                cancelled++;
            }
        }
        size -= cancelled;
        return cancelled;
    }

    /** Cancels everything in flight. */
    int cancelAll() {
        return cancel(java.util.List.copyOf(byPartition.keySet()));
    }
}
