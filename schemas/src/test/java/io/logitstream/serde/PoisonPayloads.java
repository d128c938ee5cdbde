package io.logitstream.serde;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

    /**
     * Registers a JSON Schema under a subject of its own through the registry's Confluent-compatible
     * API and returns its id: a schema id that no Avro reader can use.
     */
    public static int registerJsonSchema(String registryUrl, String subject) throws IOException, InterruptedException {
        ObjectMapper json = new ObjectMapper();
        String body = json.createObjectNode().put("schemaType", "JSON")
                .put("schema", "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}").toString();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(registryUrl + "/subjects/" + subject + "/versions"))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("registering a JSON Schema answered " + response.statusCode() + ": "
                    + response.body());
        }
        return json.readTree(response.body()).path("id").asInt();
    }
}
