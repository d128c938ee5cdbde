package io.logitstream.contract;

import io.logitstream.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Builds dead letters that keep everything needed to inspect, fix and replay a record: its bytes,
 * headers and coordinates, where it failed and why. A dead letter always fits one Kafka record
 * ({@link DeadLetterFit}): for a record near the size limit it keeps a prefix of the value, with
 * the value's length and SHA-256, and says so in {@code truncated_fields}.
 */
public final class DeadLetters {

    private DeadLetters() {
    }

    /** Where the record came from. */
    public record Source(String topic, int partition, long offset, long timestamp) {
    }

    /** Why and where it was given up on. */
    public record Failure(String stage, String errorCode, String message, String requestId, String application) {
    }

    /** A dead letter that fits Kafka's default {@code max.request.size} (1 MiB). */
    public static DeadLetter of(Source source, byte[] key, byte[] value, Headers headers, Failure failure) {
        return of(source, key, value, headers, failure, DeadLetterFit.DEFAULT_MAX_RECORD_BYTES);
    }

    /** A dead letter whose Kafka record (keyed by its {@code key}) stays within {@code maxRecordBytes}. */
    public static DeadLetter of(Source source, byte[] key, byte[] value, Headers headers, Failure failure,
            int maxRecordBytes) {
        return DeadLetterFit.fit(DeadLetter.newBuilder()
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setSourceTimestampMs(source.timestamp())
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setHeaders(headersOf(headers))
                .setStage(failure.stage())
                .setErrorCode(failure.errorCode())
                .setErrorMessage(failure.message())
                .setRequestId(failure.requestId())
                .setFailedAtMs(System.currentTimeMillis())
                .setApplication(failure.application())
                .build(), maxRecordBytes);
    }

    private static Map<String, ByteBuffer> headersOf(Headers headers) {
        if (headers == null || !headers.iterator().hasNext()) {
            return null;
        }
        Map<String, ByteBuffer> map = new LinkedHashMap<>();
        for (Header h : headers) {
            map.put(h.key(), h.value() == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(h.value()));
        }
        return map;
    }
}
