package io.logitstream.worker.kafka;

import io.logitstream.contract.DeadLetters;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.serde.RecordDecodeException;
import io.logitstream.worker.task.WorkItem;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns a consumed record into a request to serve, a dead letter (undecodable value, tombstone),
 * or a retry (the registry could not be reached: not the record's fault). A record whose decode
 * fails for a transient reason {@link #MAX_ATTEMPTS} times in a row is dead-lettered, with the
 * bytes to replay it, rather than retried forever; the waits between attempts double from
 * {@link #FIRST_RETRY_MS}.
 */
final class RecordDecoder {

    static final String STAGE_DESERIALIZE = "worker.deserialize";
    static final int MAX_ATTEMPTS = 5;
    static final long FIRST_RETRY_MS = 1000;

    /** What a record turned out to be. */
    sealed interface Decoded {
        record Request(WorkItem item) implements Decoded {
        }

        record Rejected(DeadLetter letter) implements Decoded {
            /** The key to publish it under: the original key, or its prefix when the letter was cut to fit. */
            byte[] key() {
                if (letter.getKey() == null) {
                    return null;
                }
                byte[] key = new byte[letter.getKey().remaining()];
                letter.getKey().duplicate().get(key);
                return key;
            }
        }

        record RetryLater(String reason, long delayMs) implements Decoded {
        }
    }

    /** The failed attempts at the record a partition is held at (one per partition: it waits for it). */
    private record Attempts(long offset, int failures) {
    }

    private final Deserializer<PromptRequest> deserializer;
    private final String workerId;
    private final int maxRecordBytes;
    private final Map<TopicPartition, Attempts> attempts = new HashMap<>();

    /** @param maxRecordBytes the most a dead letter's record may take: the worker producer's max.request.size */
    RecordDecoder(Deserializer<PromptRequest> deserializer, String workerId, int maxRecordBytes) {
        this.deserializer = deserializer;
        this.workerId = workerId;
        this.maxRecordBytes = maxRecordBytes;
    }

    Decoded decode(ConsumerRecord<byte[], byte[]> record, long receivedAtMs) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        if (record.value() == null) {
            return reject(record, "Record has no value (tombstone); a PromptRequest was expected");
        }
        try {
            PromptRequest request = deserializer.deserialize(record.topic(), record.headers(), record.value());
            attempts.remove(partition);
            return new Decoded.Request(new WorkItem(request, record.timestamp(), receivedAtMs));
        } catch (RecordDecodeException e) {
            if (!e.isTransient()) {
                attempts.remove(partition);
                return reject(record, e.error() + ": " + e.getMessage());
            }
            Attempts previous = attempts.get(partition);
            int failures = (previous != null && previous.offset() == record.offset() ? previous.failures() : 0) + 1;
            if (failures >= MAX_ATTEMPTS) {
                attempts.remove(partition);
                return reject(record, e.error() + ": gave up after " + failures + " attempts: " + e.getMessage());
            }
            attempts.put(partition, new Attempts(record.offset(), failures));
            return new Decoded.RetryLater(e.getMessage() + " (attempt " + failures + " of " + MAX_ATTEMPTS + ")",
                    FIRST_RETRY_MS << (failures - 1));
        } catch (RuntimeException e) {
            attempts.remove(partition);
            return reject(record, "The value could not be decoded: " + e);
        }
    }

    /** Forgets the attempts on partitions this worker no longer owns. */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(attempts::remove);
    }

    private Decoded reject(ConsumerRecord<byte[], byte[]> record, String message) {
        return new Decoded.Rejected(DeadLetters.of(
                new DeadLetters.Source(record.topic(), record.partition(), record.offset(), record.timestamp()),
                record.key(), record.value(), record.headers(),
                new DeadLetters.Failure(STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE, message,
                        requestIdOf(record.key()), workerId), maxRecordBytes));
    }

    /**
     * Request topics are keyed by request_id (the topology writes them so), so a readable key is the
     * request id of a value that is not; null when there is no key or it is not UTF-8 text.
     */
    static String requestIdOf(byte[] key) {
        if (key == null || key.length == 0) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(key)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
