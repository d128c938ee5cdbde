package io.logitstream.worker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.DeadLetterFit;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import io.logitstream.serde.DecodeError;
import io.logitstream.serde.RecordDecodeException;
import io.logitstream.worker.kafka.RecordDecoder.Decoded;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The worker's decode rules: transient failures retried with backoff a bounded number of times, then dead-lettered. */
class RecordDecoderTest {

    private static final String TOPIC = "llm.requests.tiny";
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final RecordDecoder decoder = decoder(DeadLetterFit.DEFAULT_MAX_RECORD_BYTES);

    private RecordDecoder decoder(int maxRecordBytes) {
        return new RecordDecoder((topic, data) -> {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new RecordDecodeException(DecodeError.REGISTRY_UNAVAILABLE, "registry down");
            }
            if (data.length == 1) {
                throw new RecordDecodeException(DecodeError.UNSUPPORTED_SCHEMA, "a JSON Schema id");
            }
            if (data.length == 2) {
                throw new IllegalStateException("surprise");
            }
            if (data.length > 1000) {
                throw new RecordDecodeException(DecodeError.NOT_WIRE_FORMAT, "not a wire-format value");
            }
            return PromptRequest.newBuilder().setRequestId("ok").setModel("tiny").setTask(Task.SCORE)
                    .setText("x").build();
        }, "w1", maxRecordBytes);
    }

    @Test
    void deadLettersFitTheProducersMaxRequestSize() {
        byte[] value = new byte[200_000];

        Decoded underTheDefault = decoder.decode(record(0, 7, value), 0);
        Decoded underALowerLimit = decoder(100_000).decode(record(0, 7, value), 0);

        assertThat(underTheDefault).isInstanceOfSatisfying(Decoded.Rejected.class, r -> {
            assertThat(r.letter().getValue().remaining()).isEqualTo(value.length);
            assertThat(r.letter().getTruncatedFields()).isNull();
        });
        assertThat(underALowerLimit).isInstanceOfSatisfying(Decoded.Rejected.class, r -> {
            assertThat(r.letter().getValue().remaining()).isLessThan(100_000);
            assertThat(r.letter().getValueLength()).isEqualTo((long) value.length);
            assertThat(r.letter().getTruncatedFields()).containsExactly("value");
            assertThat(r.key()).isEqualTo("key-7".getBytes(StandardCharsets.UTF_8));
        });
    }

    @Test
    void transientFailureIsRetriedWithDoublingWaitsThenDeadLettered() {
        failuresLeft.set(Integer.MAX_VALUE);
        List<Long> waits = new ArrayList<>();
        Decoded decoded;
        while ((decoded = decoder.decode(record(0, 5, new byte[8]), 0)) instanceof Decoded.RetryLater retry) {
            waits.add(retry.delayMs());
        }

        assertThat(waits).containsExactly(1000L, 2000L, 4000L, 8000L);
        assertThat(decoded).isInstanceOfSatisfying(Decoded.Rejected.class, rejected -> {
            assertThat(rejected.letter().getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
            assertThat(rejected.letter().getErrorMessage())
                    .startsWith("REGISTRY_UNAVAILABLE: gave up after " + RecordDecoder.MAX_ATTEMPTS + " attempts");
            assertThat(rejected.letter().getRequestId()).isEqualTo("key-5");
            assertThat(rejected.key()).isEqualTo("key-5".getBytes(StandardCharsets.UTF_8));
        });
    }

    @Test
    void anOutageThatEndsServesTheRecordAndForgetsItsAttempts() {
        failuresLeft.set(2);
        assertThat(decoder.decode(record(0, 5, new byte[8]), 0)).isInstanceOf(Decoded.RetryLater.class);
        assertThat(decoder.decode(record(0, 5, new byte[8]), 0)).isInstanceOf(Decoded.RetryLater.class);
        assertThat(decoder.decode(record(0, 5, new byte[8]), 0)).isInstanceOf(Decoded.Request.class);

        failuresLeft.set(1);
        assertThat(decoder.decode(record(0, 6, new byte[8]), 0))
                .isInstanceOfSatisfying(Decoded.RetryLater.class, r -> assertThat(r.delayMs()).isEqualTo(1000));
    }

    @Test
    void permanentAndUnexpectedFailuresAreDeadLetteredAtOnce() {
        assertThat(decoder.decode(record(1, 0, new byte[1]), 0)).isInstanceOfSatisfying(Decoded.Rejected.class,
                r -> assertThat(r.letter().getErrorMessage()).startsWith("UNSUPPORTED_SCHEMA"));
        assertThat(decoder.decode(record(1, 1, new byte[2]), 0)).isInstanceOfSatisfying(Decoded.Rejected.class,
                r -> assertThat(r.letter().getErrorMessage()).contains("surprise"));
    }

    @Test
    void forgettingAPartitionDropsItsAttempts() {
        failuresLeft.set(Integer.MAX_VALUE);
        decoder.decode(record(0, 5, new byte[8]), 0);
        decoder.decode(record(0, 5, new byte[8]), 0);
        decoder.forget(List.of(new TopicPartition(TOPIC, 0)));

        assertThat(decoder.decode(record(0, 5, new byte[8]), 0))
                .isInstanceOfSatisfying(Decoded.RetryLater.class, r -> assertThat(r.delayMs()).isEqualTo(1000));
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset, byte[] value) {
        return new ConsumerRecord<>(TOPIC, partition, offset, ("key-" + offset).getBytes(StandardCharsets.UTF_8), value);
    }
}
