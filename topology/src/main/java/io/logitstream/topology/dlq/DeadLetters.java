package io.logitstream.topology.dlq;

import io.logitstream.schema.DeadLetter;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Builds dead letters that keep everything needed to inspect, fix and replay the record. */
public final class DeadLetters {

    private DeadLetters() {
    }

    public static DeadLetter of(RecordMetadata source, long timestamp, byte[] key, byte[] value, Headers headers,
            String stage, String errorCode, String errorMessage, String requestId, String application) {
        return DeadLetter.newBuilder()
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setSourceTimestampMs(timestamp)
                .setKey(key == null ? null : ByteBuffer.wrap(key))
                .setValue(value == null ? null : ByteBuffer.wrap(value))
                .setHeaders(headersOf(headers))
                .setStage(stage)
                .setErrorCode(errorCode)
                .setErrorMessage(errorMessage)
                .setRequestId(requestId)
                .setFailedAtMs(System.currentTimeMillis())
                .setApplication(application)
                .build();
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
