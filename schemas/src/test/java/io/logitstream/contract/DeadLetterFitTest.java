package io.logitstream.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** A dead letter always fits one Kafka record, and says what it had to cut. */
class DeadLetterFitTest {

    private static final int LIMIT = DeadLetterFit.DEFAULT_MAX_RECORD_BYTES;
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void smallDeadLetterKeepsEverything() {
        byte[] value = {0, 1, 2, 3};
        DeadLetter letter = letter("k".getBytes(StandardCharsets.UTF_8), value, "bad", LIMIT);

        assertThat(bytes(letter.getValue())).isEqualTo(value);
        assertThat(letter.getTruncatedFields()).isNull();
        assertThat(letter.getValueLength()).isNull();
        assertThat(letter.getValueSha256()).isNull();
    }

    @Test
    void nearLimitValueKeepsAPrefixItsLengthAndDigest() {
        byte[] value = random(1_048_400);
        byte[] key = "near-limit".getBytes(StandardCharsets.UTF_8);
        DeadLetter letter = letter(key, value, "Invalid request: ...", LIMIT);

        byte[] kept = bytes(letter.getValue());
        assertThat(kept.length).isLessThan(value.length).isGreaterThan(value.length - 8192);
        assertThat(kept).isEqualTo(Arrays.copyOf(value, kept.length));
        assertThat(letter.getValueLength()).isEqualTo((long) value.length);
        assertThat(letter.getValueSha256()).isEqualTo(DeadLetterFit.sha256(value)).hasSize(64);
        assertThat(letter.getTruncatedFields()).containsExactly("value");
        assertThat(recordSize(letter)).isLessThanOrEqualTo(LIMIT - 1024);
        // and it reads back as it was written
        DeadLetter read = roundTrip(letter);
        assertThat(bytes(read.getValue())).isEqualTo(kept);
        assertThat(read.getValueLength()).isEqualTo((long) value.length);
    }

    @Test
    void aSmallerTopicLimitCutsMore() {
        DeadLetter letter = letter(null, random(200_000), "bad", 100_000);

        assertThat(recordSize(letter)).isLessThanOrEqualTo(100_000 - 1024);
        assertThat(letter.getValueLength()).isEqualTo(200_000L);
    }

    @Test
    void hugeHeadersAreDroppedBeforeTheSmallValueIsCut() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        headers.add("blob", random(1_046_000));
        byte[] value = {0, 9, 9};
        DeadLetter letter = DeadLetters.of(new DeadLetters.Source("t", 0, 5, 1L), null, value, headers,
                new DeadLetters.Failure("s", ErrorCodes.UNDECODABLE, "bad", null, "app"));

        assertThat(letter.getHeaders()).isNull();
        assertThat(bytes(letter.getValue())).isEqualTo(value);
        assertThat(letter.getTruncatedFields()).containsExactly("headers");
        assertThat(recordSize(letter)).isLessThanOrEqualTo(LIMIT - 1024);
    }

    @Test
    void hugeKeyIsCutSinceItCountsTwice() {
        byte[] key = random(700_000);
        DeadLetter letter = letter(key, new byte[] {1}, "bad", LIMIT);

        assertThat(letter.getTruncatedFields()).contains("key");
        assertThat(bytes(letter.getKey())).isEqualTo(Arrays.copyOf(key, letter.getKey().remaining()));
        assertThat(recordSize(letter)).isLessThanOrEqualTo(LIMIT - 1024);
    }

    @Test
    void longMessageAndRequestIdAreCapped() {
        DeadLetter letter = DeadLetters.of(new DeadLetters.Source("t", 0, 5, 1L), null, new byte[] {1}, null,
                new DeadLetters.Failure("s", ErrorCodes.INVALID_REQUEST, "x".repeat(100_000), "r".repeat(5000), "app"));

        assertThat(letter.getErrorMessage()).hasSize(DeadLetterFit.MAX_MESSAGE_CHARS + 3).endsWith("...");
        assertThat(letter.getRequestId()).hasSize(DeadLetterFit.MAX_REQUEST_ID_CHARS + 3);
        assertThat(letter.getTruncatedFields()).containsExactly("error_message", "request_id");
    }

    private static DeadLetter letter(byte[] key, byte[] value, String message, int limit) {
        return DeadLetters.of(new DeadLetters.Source("llm.prompts", 2, 7, 1L), key, value, null,
                new DeadLetters.Failure("topology.validate", ErrorCodes.INVALID_REQUEST, message, "r", "app"), limit);
    }

    /** Wire-format value plus the record key, as the producer counts them (framing aside). */
    private int recordSize(DeadLetter letter) {
        byte[] wire = new AvroSerializer<>(DeadLetter.class, registry).serialize("llm.dlq", letter);
        return wire.length + (letter.getKey() == null ? 0 : letter.getKey().remaining());
    }

    private DeadLetter roundTrip(DeadLetter letter) {
        byte[] wire = new AvroSerializer<>(DeadLetter.class, registry).serialize("llm.dlq", letter);
        return new AvroDeserializer<>(DeadLetter.class, registry).deserialize("llm.dlq", wire);
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
