package io.logitstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryException;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import io.logitstream.testkit.SchemaRegistryProcess;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry client and the wire-format serdes against a real registry (the Apicurio runner). */
class RegistrySerdeTest {

    private static SchemaRegistryProcess registry;
    private static RestSchemaRegistryClient client;

    @BeforeAll
    static void start() {
        registry = SchemaRegistryProcess.start();
        client = new RestSchemaRegistryClient(registry.url());
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void roundTripsThroughTheConfluentWireFormat() {
        PromptRequest request = PromptRequest.newBuilder().setRequestId("r1").setModel("m").setTask(Task.GENERATE)
                .setText("Grüße 東京 🚀").setMetadata(Map.of("row", "7"))
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(4).setStop(List.of("\n")).build()).build();
        byte[] bytes = new AvroSerializer<>(PromptRequest.class, client).serialize("roundtrip", request);

        assertThat(bytes[0]).isEqualTo(WireFormat.MAGIC_BYTE);
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(client.schemaById(id)).isEqualTo(PromptRequest.getClassSchema());
        // a fresh client (empty cache) must fetch the writer schema from the registry
        var reader = new AvroDeserializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
        assertThat(reader.deserialize("roundtrip", bytes)).isEqualTo(request);
    }

    @Test
    void registeringTwiceGivesTheSameId() {
        int first = client.register("twice-value", PromptRequest.getClassSchema());
        int second = new RestSchemaRegistryClient(registry.url()).register("twice-value", PromptRequest.getClassSchema());

        assertThat(second).isEqualTo(first);
        assertThat(new RestSchemaRegistryClient(registry.url()).lookup("twice-value", PromptRequest.getClassSchema()))
                .isEqualTo(first);
    }

    @Test
    void readsDataWrittenWithAnOlderSchema() throws Exception {
        Schema old = olderPromptRequestSchema();
        int id = client.register("evolution-value", old);
        GenericRecord record = new GenericData.Record(old);
        record.put("request_id", "old-1");
        record.put("model", "m");
        record.put("task", new GenericData.EnumSymbol(old.getField("task").schema(), "SCORE"));
        record.put("text", "hello");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(old).write(record, encoder);
        encoder.flush();

        PromptRequest read = new AvroDeserializer<>(PromptRequest.class, client).deserialize("evolution", out.toByteArray());

        assertThat(read.getRequestId()).isEqualTo("old-1");
        assertThat(read.getText()).isEqualTo("hello");
        assertThat(read.getMetadata()).isNull(); // the field the old writer did not have takes its default
        // and the current schema is a BACKWARD-compatible successor of the old one
        assertThat(client.isCompatible("evolution-value", PromptRequest.getClassSchema())).isTrue();
    }

    @Test
    void anIncompatibleSchemaIsRefusedWithTheReason() {
        client.setCompatibility("strict-value", "BACKWARD");
        client.register("strict-value", PromptRequest.getClassSchema());
        Schema breaking = SchemaBuilder.record("PromptRequest").namespace("io.logitstream.schema").fields()
                .requiredString("request_id").requiredInt("priority").endRecord();

        assertThat(client.isCompatible("strict-value", breaking)).isFalse();
        assertThatThrownBy(() -> client.register("strict-value", breaking))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(409))
                .hasMessageContaining("incompatible");
    }

    @Test
    void everySubjectIsHeldToBackwardAndReportsItAsConfluentsRegistryDoes() throws Exception {
        client.register("compat-value", PromptRequest.getClassSchema()); // no rule of its own

        assertThat(getJson("/config").path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        assertThat(getJson("/config/compat-value").path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
        Schema breaking = SchemaBuilder.record("PromptRequest").namespace("io.logitstream.schema").fields()
                .requiredString("request_id").requiredInt("priority").endRecord();
        assertThatThrownBy(() -> client.register("compat-value", breaking))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(409));
        // What @kafkajs/confluent-schema-registry does for a new subject: its config is 404, then it sets BACKWARD.
        assertThat(get("/config/kafkajs-value").statusCode()).isEqualTo(404);
        client.setCompatibility("kafkajs-value", "BACKWARD");
        assertThat(getJson("/config/kafkajs-value").path("compatibilityLevel").asText()).isEqualTo("BACKWARD");
    }

    @Test
    void unknownSchemaIdIsADecodeErrorNamingTheId() {
        byte[] bytes = {0, 0, 0, 0x7a, 0x12, 2, 'x'};
        assertThatThrownBy(() -> new AvroDeserializer<>(PromptRequest.class, client).deserialize("t", bytes))
                .isInstanceOfSatisfying(RecordDecodeException.class,
                        e -> assertThat(e.error()).isEqualTo(DecodeError.UNKNOWN_SCHEMA_ID))
                .hasMessageContaining(Integer.toString(0x7a12));
    }

    @Test
    void aRegistryThatIsDownIsATransientErrorThatSaysWhatToDo() {
        var down = new RestSchemaRegistryClient("http://localhost:1");
        assertThatThrownBy(() -> down.schemaById(1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.isUnreachable()).isTrue())
                .hasMessageContaining("Is it running?");
        byte[] bytes = {0, 0, 0, 0, 1, 2, 'x'};
        assertThatThrownBy(() -> new AvroDeserializer<>(PromptRequest.class, down).deserialize("t", bytes))
                .isInstanceOfSatisfying(RecordDecodeException.class, e -> assertThat(e.isTransient()).isTrue());
    }

    @Test
    void bytesThatAreNotWireFormatAreRejectedBeforeAnyRegistryCall() {
        var neverCalled = new RestSchemaRegistryClient("http://localhost:1");
        assertThatThrownBy(() -> new AvroDeserializer<>(PromptRequest.class, neverCalled)
                .deserialize("t", "{\"json\": true}".getBytes()))
                .isInstanceOfSatisfying(RecordDecodeException.class,
                        e -> assertThat(e.error()).isEqualTo(DecodeError.NOT_WIRE_FORMAT));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode getJson(String path) throws Exception {
        HttpResponse<String> answer = get(path);
        assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
        return new ObjectMapper().readTree(answer.body());
    }

    /** PromptRequest as an earlier producer might have had it: without the metadata field. */
    private static Schema olderPromptRequestSchema() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode schema = (ObjectNode) json.readTree(PromptRequest.getClassSchema().toString());
        ArrayNode fields = (ArrayNode) schema.get("fields");
        for (int i = fields.size() - 1; i >= 0; i--) {
            if (fields.get(i).get("name").asText().equals("metadata")) {
                fields.remove(i);
            }
        }
        return new Schema.Parser().parse(schema.toString());
    }
}
