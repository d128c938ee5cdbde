package io.logitstream.app.chaos;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.ToIntFunction;
import org.apache.kafka.common.utils.Utils;

/**
 * When each partition was served again after a fault: the earliest moment the worker started
 * computing a request on that partition that was still waiting for an answer when the fault hit
 * (sent after a kill, or unanswered at a restart). That is when the partition's records flow again;
 * the compute time of the request itself is not recovery. A partition none of whose waiting
 * requests was answered was never served again. Times are epoch milliseconds.
 */
final class PartitionRecovery {

    /** Partition -> when it was first served; only partitions that had a waiting request. */
    private final Map<Integer, Long> servedAt;
    private final Set<Integer> neverServed;

    private PartitionRecovery(Map<Integer, Long> servedAt, Set<Integer> neverServed) {
        this.servedAt = servedAt;
        this.neverServed = neverServed;
    }

    /**
     * @param waiting     the requests waiting for an answer when the fault hit
     * @param partitionOf the partition of a request
     * @param servedAt    when the worker started computing a request, if it was answered
     */
    static PartitionRecovery of(Collection<String> waiting, ToIntFunction<String> partitionOf,
            Function<String, OptionalLong> servedAt) {
        Map<Integer, Long> firstServed = new TreeMap<>();
        Set<Integer> partitions = new TreeSet<>();
        for (String id : waiting) {
            int partition = partitionOf.applyAsInt(id);
            partitions.add(partition);
            servedAt.apply(id).ifPresent(t -> firstServed.merge(partition, t, Math::min));
        }
        partitions.removeAll(firstServed.keySet());
        return new PartitionRecovery(firstServed, partitions);
    }

    /** The partition Kafka's default partitioner gives a record keyed by {@code key} (UTF-8). */
    static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * Seconds from {@code referenceMs} until every partition with a waiting request was served again
     * (0 for one served before it); empty when a partition never was or none had a waiting request.
     */
    OptionalDouble everyPartitionFrom(long referenceMs) {
        if (!neverServed.isEmpty() || servedAt.isEmpty()) {
            return OptionalDouble.empty();
        }
        return servedAt.values().stream().mapToDouble(t -> Math.max(0, t - referenceMs) / 1e3).max();
    }

    /** Per partition: seconds from {@code referenceMs} until it was served, or "never", for messages. */
    String describeFrom(long referenceMs) {
        Map<Integer, String> out = new TreeMap<>();
        servedAt.forEach((p, t) -> out.put(p, String.format("%.1f s", Math.max(0, t - referenceMs) / 1e3)));
        neverServed.forEach(p -> out.put(p, "never"));
        return out.toString();
    }
}
