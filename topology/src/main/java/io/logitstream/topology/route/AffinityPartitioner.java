package io.logitstream.topology.route;

import io.logitstream.schema.PromptRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Picks the partition of a model's request topic so that requests which can share a worker's
 * cache meet on one worker: each partition is read by one worker at a time, and that worker's
 * prefix and session caches are its own.
 *
 * <p>The affinity key, first that applies:
 * <ol>
 *   <li>{@code session_id}: every turn of a conversation, so its KV cache is found again;</li>
 *   <li>{@code prefix_key}: requests that declare the same shared prefix (a few-shot header);</li>
 *   <li>{@code prefix_route_chars} = N: the first N characters (Unicode code points) of
 *       {@code text}, or of the first chat message's content, or the first N {@code input_ids}
 *       (each as 4 big-endian bytes);</li>
 *   <li>none: empty, so Kafka's default partitioner hashes the record key, as before.</li>
 * </ol>
 * The partition is {@code toPositive(murmur2(bytes)) % numPartitions} over the key's UTF-8 bytes,
 * which is what Kafka's default partitioner does with a record key: the same on every JVM and after
 * every restart, and a producer can predict it (a session lands where a record keyed by its
 * session_id would). A change of the partition count remaps keys, as it does for keyed records.
 *
 * <p>The record key stays the request_id: ordering, deduplication and results are per request and
 * do not change. Only the partition is chosen here; two requests of one session are ordered on their
 * partition in the order the topology routed them.
 */
public final class AffinityPartitioner implements StreamPartitioner<String, PromptRequest> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, PromptRequest request, int numPartitions) {
        return affinityKey(request).map(bytes -> Set.of(partitionOf(bytes, numPartitions)));
    }

    /** Kafka's default partitioner on {@code bytes}. */
    public static int partitionOf(byte[] bytes, int numPartitions) {
        return Utils.toPositive(Utils.murmur2(bytes)) % numPartitions;
    }

    /** The bytes whose hash chooses the partition; empty when the request asks for no affinity. */
    public static Optional<byte[]> affinityKey(PromptRequest request) {
        if (request.getSessionId() != null) {
            return Optional.of(utf8(request.getSessionId()));
        }
        if (request.getPrefixKey() != null) {
            return Optional.of(utf8(request.getPrefixKey()));
        }
        Integer chars = request.getPrefixRouteChars();
        if (chars == null || chars < 1) {
            return Optional.empty();
        }
        if (request.getText() != null) {
            return Optional.of(utf8(firstCodePoints(request.getText(), chars)));
        }
        if (request.getMessages() != null && !request.getMessages().isEmpty()) {
            return Optional.of(utf8(firstCodePoints(request.getMessages().get(0).getContent(), chars)));
        }
        if (request.getInputIds() != null) {
            return Optional.of(firstIds(request.getInputIds(), chars));
        }
        return Optional.empty();
    }

    /** Code points, not chars, so a prefix never ends inside a surrogate pair (and counts as Python's len). */
    private static String firstCodePoints(String s, int n) {
        int count = s.codePointCount(0, s.length());
        return count <= n ? s : s.substring(0, s.offsetByCodePoints(0, n));
    }

    private static byte[] firstIds(List<Integer> ids, int n) {
        int size = Math.min(n, ids.size());
        ByteBuffer out = ByteBuffer.allocate(4 * size);
        for (int i = 0; i < size; i++) {
            out.putInt(ids.get(i));
        }
        return out.array();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
