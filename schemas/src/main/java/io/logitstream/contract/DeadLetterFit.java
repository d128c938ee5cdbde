package io.logitstream.contract;

import io.logitstream.schema.DeadLetter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Makes a dead letter fit in one Kafka record. A dead letter embeds the original record, so one for
 * a record near the size limit would not fit (the producer would fail with RecordTooLargeException
 * and the stage would stop on it). Cut until it fits: the value to a prefix (with the original
 * length and SHA-256 in {@code value_length} / {@code value_sha256}) and the copied headers
 * (dropped), the larger of the two first, then the key to a prefix. Every cut is named in
 * {@code truncated_fields}. The error message
 * and request id are always capped, since both can be as long as the record that carried them.
 * The dead letter's Kafka record is keyed by its (possibly cut) {@code key}, so the key counts twice.
 */
public final class DeadLetterFit {

    /** Kafka's default {@code max.request.size}; a topic's {@code max.message.bytes} is 12 bytes more. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1_048_576;
    /** Left for the record batch and record framing, the wire-format header and slack in the estimate. */
    static final int FRAMING_RESERVE = 4096;
    static final int MAX_MESSAGE_CHARS = 8192;
    static final int MAX_REQUEST_ID_CHARS = 1024;

    private static final SpecificDatumWriter<DeadLetter> WRITER = new SpecificDatumWriter<>(DeadLetter.class);

    private DeadLetterFit() {
    }

    /** {@code letter}, cut where needed so that its Kafka record stays within {@code maxRecordBytes}. */
    public static DeadLetter fit(DeadLetter letter, int maxRecordBytes) {
        List<String> cut = new ArrayList<>();
        DeadLetter.Builder b = DeadLetter.newBuilder(letter);
        b.setErrorMessage(cap(letter.getErrorMessage(), MAX_MESSAGE_CHARS, "error_message", cut));
        b.setRequestId(cap(letter.getRequestId(), MAX_REQUEST_ID_CHARS, "request_id", cut));
        long budget = (long) maxRecordBytes - FRAMING_RESERVE;
        // Whichever of value and copied headers is larger goes first, so a small one survives a large other.
        if (headerBytes(b) > (b.getValue() == null ? 0 : b.getValue().remaining())) {
            dropHeaders(b, budget, cut);
            cutValue(b, budget, cut);
        } else {
            cutValue(b, budget, cut);
            dropHeaders(b, budget, cut);
        }
        long excess = size(b) - budget;
        if (excess > 0 && b.getKey() != null) {
            byte[] key = bytes(b.getKey());
            int keep = (int) Math.max(0, key.length - (excess + 1) / 2);
            b.setKey(ByteBuffer.wrap(key, 0, keep).slice());
            cut.add("key");
        }
        b.setTruncatedFields(cut.isEmpty() ? letter.getTruncatedFields() : cut);
        return b.build();
    }

    private static void cutValue(DeadLetter.Builder b, long budget, List<String> cut) {
        long excess = size(b) - budget;
        if (excess <= 0 || b.getValue() == null) {
            return;
        }
        byte[] value = bytes(b.getValue());
        b.setValueLength((long) value.length).setValueSha256(sha256(value));
        int keep = (int) Math.max(0, value.length - (size(b) - budget));
        b.setValue(ByteBuffer.wrap(value, 0, keep).slice());
        cut.add("value");
    }

    private static void dropHeaders(DeadLetter.Builder b, long budget, List<String> cut) {
        if (b.getHeaders() != null && size(b) > budget) {
            b.setHeaders(null);
            cut.add("headers");
        }
    }

    private static long headerBytes(DeadLetter.Builder b) {
        if (b.getHeaders() == null) {
            return 0;
        }
        long total = 0;
        for (var header : b.getHeaders().entrySet()) {
            total += header.getKey().length() + header.getValue().remaining();
        }
        return total;
    }

    private static String cap(String text, int maxChars, String field, List<String> cut) {
        if (text == null || text.length() <= maxChars) {
            return text;
        }
        cut.add(field);
        return text.substring(0, maxChars) + "...";
    }

    /** The encoded size of the dead letter plus its Kafka record key. */
    private static long size(DeadLetter.Builder b) {
        CountingStream counter = new CountingStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(counter, null);
        try {
            WRITER.write(b.build(), encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return counter.count + (b.getKey() == null ? 0 : b.getKey().remaining());
    }

    static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JVM has SHA-256", e);
        }
    }

    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
