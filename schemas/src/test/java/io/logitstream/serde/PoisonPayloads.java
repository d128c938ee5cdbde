package io.logitstream.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/** Hand-made wire-format values that a well-behaved serializer never writes. */
public final class PoisonPayloads {

    private PoisonPayloads() {
    }

    /** Something to write Avro primitives with, one after the other. */
    @FunctionalInterface
    public interface Body {
        void write(BinaryEncoder out) throws IOException;
    }

    public static byte[] framed(int schemaId, Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(WireFormat.MAGIC_BYTE);
        bytes.writeBytes(ByteBuffer.allocate(4).putInt(schemaId).array());
        BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(bytes, null);
        try {
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A PromptRequest's first fields (request_id, model, task SCORE), up to input_ids. */
    public static void head(BinaryEncoder out, String requestId, String model) throws IOException {
        out.writeString(requestId);
        out.writeString(model);
        out.writeEnum(0);
        out.writeIndex(0); // text: null
        out.writeIndex(0); // messages: null
    }

    /**
     * The 41-byte value of the issue: input_ids claims a block of 2^30 ints (4 GiB for Avro to
     * allocate) and then holds a few.
     */
    public static byte[] collectionSizeBomb(int schemaId) {
        return collectionSizeBomb(schemaId, "bomb-1", "tiny-gpt2");
    }

    /** The same bomb for a given request id and model. */
    public static byte[] collectionSizeBomb(int schemaId, String requestId, String model) {
        return framed(schemaId, out -> {
            head(out, requestId, model);
            out.writeIndex(1); // input_ids: an array
            out.writeLong(1L << 30); // block count
            for (int i = 0; i < 10; i++) {
                out.writeInt(i);
            }
        });
    }
}
