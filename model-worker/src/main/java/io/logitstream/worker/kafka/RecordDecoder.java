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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Turns a consumed record into a request to serve, a dead letter (undecodable value, tombstone),
 * or a retry (the registry could not be reached: not the record's fault, so never dead-lettered).
 */
final class RecordDecoder {

    static final String STAGE_DESERIALIZE = "worker.deserialize";

    /** What a record turned out to be. */
    sealed interface Decoded {
        record Request(WorkItem item) implements Decoded {
        }

        record Rejected(DeadLetter letter) implements Decoded {
        }

        record RetryLater(String reason) implements Decoded {
        }
    }

    private final Deserializer<PromptRequest> deserializer;
    private final String workerId;

    RecordDecoder(Deserializer<PromptRequest> deserializer, String workerId) {
        this.deserializer = deserializer;
        this.workerId = workerId;
    }

    Decoded decode(ConsumerRecord<byte[], byte[]> record, long receivedAtMs) {
        if (record.value() == null) {
            return reject(record, "Record has no value (tombstone); a PromptRequest was expected");
        }
        try {
            PromptRequest request = deserializer.deserialize(record.topic(), record.headers(), record.value());
            return new Decoded.Request(new WorkItem(request, record.timestamp(), receivedAtMs));
        } catch (RecordDecodeException e) {
            if (e.isTransient()) {
                return new Decoded.RetryLater(e.getMessage());
            }
            return reject(record, e.error() + ": " + e.getMessage());
        }
    }

    private Decoded reject(ConsumerRecord<byte[], byte[]> record, String message) {
        return new Decoded.Rejected(DeadLetters.of(
                new DeadLetters.Source(record.topic(), record.partition(), record.offset(), record.timestamp()),
                record.key(), record.value(), record.headers(),
                new DeadLetters.Failure(STAGE_DESERIALIZE, ErrorCodes.UNDECODABLE, message,
                        requestIdOf(record.key()), workerId)));
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
