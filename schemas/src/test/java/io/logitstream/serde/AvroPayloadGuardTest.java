package io.logitstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryException;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Values built to exhaust a reader: each is refused with a reason, none allocates or recurses unbounded. */
class AvroPayloadGuardTest {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroDeserializer<PromptRequest> reader = new AvroDeserializer<>(PromptRequest.class, registry);
    private final int requestId = registry.register("p-value", PromptRequest.getClassSchema());

    @Test
    void collectionSizeBombIsCorruptNotAnOutOfMemoryError() {
        byte[] bomb = PoisonPayloads.collectionSizeBomb(requestId);
        assertThat(bomb).hasSize(41);

        assertThatThrownBy(() -> reader.deserialize("p", bomb))
                .isInstanceOfSatisfying(RecordDecodeException.class, e -> {
                    assertThat(e.error()).isEqualTo(DecodeError.CORRUPT_PAYLOAD);
                    assertThat(e.isTransient()).isFalse();
                })
                .hasMessageContaining("input_ids[] claims a block of 1073741824 items, but only 10 bytes remain");
    }

    @Test
    void stringLengthBeyondThePayloadIsCorrupt() {
        byte[] value = PoisonPayloads.framed(requestId, out -> {
            out.writeLong(Integer.MAX_VALUE - 8); // request_id length: 2 GiB
            out.writeFixed(new byte[] {'x', 'y'});
        });

        assertThatThrownBy(() -> reader.deserialize("p", value))
                .isInstanceOfSatisfying(RecordDecodeException.class,
                        e -> assertThat(e.error()).isEqualTo(DecodeError.CORRUPT_PAYLOAD))
                .hasMessageContaining("request_id claims a length of 2147483639 bytes, but only 2 remain");
    }

    @Test
    void negativeBlockCountsFollowedByTheirSizeAreRead() {
        byte[] value = PoisonPayloads.framed(requestId, out -> {
            PoisonPayloads.head(out, "neg", "m");
            out.writeIndex(1);
            out.writeLong(-3); // 3 items, then the block's size in bytes
            out.writeLong(3);
            out.writeInt(5);
            out.writeInt(6);
            out.writeInt(7);
            out.writeLong(0);
            restNull(out);
        });

        assertThat(reader.deserialize("p", value).getInputIds()).containsExactly(5, 6, 7);
    }

    @Test
    void deepRecursionInAWriterSchemaIsALimitNotAStackOverflow() {
        Schema nest = new Schema.Parser().parse("{\"type\": \"record\", \"name\": \"Nest\", \"namespace\": \"x\","
                + " \"fields\": [{\"name\": \"child\", \"type\": [\"null\", \"Nest\"], \"default\": null}]}");
        int id = registry.register("deep-value", withExtraField("nest", Schema.createUnion(
                Schema.create(Schema.Type.NULL), nest)));
        byte[] value = PoisonPayloads.framed(id, out -> {
            minimalRequest(out);
            for (int level = 0; level < 100_000; level++) {
                out.writeIndex(1);
            }
            out.writeIndex(0);
        });

        assertThatThrownBy(() -> reader.deserialize("p", value))
                .isInstanceOfSatisfying(RecordDecodeException.class,
                        e -> assertThat(e.error()).isEqualTo(DecodeError.LIMIT_EXCEEDED))
                .hasMessageContaining("nests deeper than " + AvroPayloadGuard.MAX_DEPTH);
    }

    @Test
    void itemsThatTakeNoBytesAreCapped() {
        int id = registry.register("nulls-value", withExtraField("nulls",
                Schema.createArray(Schema.create(Schema.Type.NULL))));
        byte[] value = PoisonPayloads.framed(id, out -> {
            minimalRequest(out);
            out.writeLong(AvroPayloadGuard.MAX_EMPTY_ITEMS + 1);
            out.writeLong(0);
        });

        assertThatThrownBy(() -> reader.deserialize("p", value))
                .isInstanceOfSatisfying(RecordDecodeException.class,
                        e -> assertThat(e.error()).isEqualTo(DecodeError.LIMIT_EXCEEDED))
                .hasMessageContaining("nulls[] holds more than");
    }

    @Test
    void unionIndexOutOfRangeIsCorrupt() {
        byte[] value = PoisonPayloads.framed(requestId, out -> {
            out.writeString("u");
            out.writeString("m");
            out.writeEnum(0);
            out.writeIndex(7); // text is a union of 2
        });

        assertThatThrownBy(() -> reader.deserialize("p", value))
                .hasMessageContaining("text has index 7 of 2 choices");
    }

    @Test
    void invalidUtf8IsReportedAndARealReplacementCharacterIsNot() {
        byte[] value = PoisonPayloads.framed(requestId, out -> {
            out.writeString("utf");
            out.writeString("m");
            out.writeEnum(0);
            out.writeIndex(1);
            out.writeBytes(new byte[] {'h', 'i', (byte) 0xff, (byte) 0xc3}); // a string's bytes
            out.writeIndex(0);
            out.writeIndex(0);
            restNull(out);
        });

        DecodedRecord<PromptRequest> decoded = reader.decode("p", value);
        assertThat(decoded.malformedUtf8Fields()).containsExactly("text");
        assertThat(decoded.value().getText()).contains("\uFFFD");

        PromptRequest honest = PromptRequest.newBuilder().setRequestId("ok").setModel("m").setTask(Task.SCORE)
                .setText("a \uFFFD b, Grüße 東京 🚀").build();
        byte[] honestBytes = new AvroSerializer<>(PromptRequest.class, registry).serialize("p", honest);
        assertThat(reader.decode("p", honestBytes).hasMalformedUtf8()).isFalse();
    }

    @Test
    void utf8CheckRejectsOverlongSurrogatesAndTruncatedSequences() {
        assertThat(valid("plain ascii")).isTrue();
        assertThat(valid("Grüße 東京 🚀 \uFFFD")).isTrue();
        assertThat(Utf8Check.isValid(new byte[] {(byte) 0xc0, (byte) 0xaf}, 0, 2)).isFalse(); // overlong '/'
        assertThat(Utf8Check.isValid(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, 0, 3)).isFalse(); // surrogate
        assertThat(Utf8Check.isValid(new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, 0, 4)).isFalse();
        assertThat(Utf8Check.isValid(new byte[] {(byte) 0xe6, (byte) 0x9d}, 0, 2)).isFalse(); // cut short
        assertThat(Utf8Check.isValid(new byte[] {'a', (byte) 0xe6, (byte) 0x9d, (byte) 0xb1}, 1, 3)).isTrue();
    }

    @Test
    void registryAnswersAreTransientOnlyWhenTheRegistryFailed() {
        assertThat(classify(-1)).isEqualTo(DecodeError.REGISTRY_UNAVAILABLE);
        assertThat(classify(500)).isEqualTo(DecodeError.REGISTRY_UNAVAILABLE);
        assertThat(classify(503)).isEqualTo(DecodeError.REGISTRY_UNAVAILABLE);
        assertThat(classify(429)).isEqualTo(DecodeError.REGISTRY_UNAVAILABLE);
        assertThat(classify(404)).isEqualTo(DecodeError.UNKNOWN_SCHEMA_ID);
        assertThat(classify(400)).isEqualTo(DecodeError.UNSUPPORTED_SCHEMA);
        assertThat(classify(422)).isEqualTo(DecodeError.UNSUPPORTED_SCHEMA);
        assertThat(classify(200)).isEqualTo(DecodeError.UNSUPPORTED_SCHEMA); // e.g. a JSON Schema id
    }

    private static DecodeError classify(int status) {
        return RegistryFailures.classify(new SchemaRegistryException("test", status, -1, null));
    }

    private static boolean valid(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return Utf8Check.isValid(bytes, 0, bytes.length);
    }

    /** PromptRequest's schema with one more field at the end (null by default), as a newer writer may have. */
    private static Schema withExtraField(String name, Schema type) {
        Schema base = PromptRequest.getClassSchema();
        List<Schema.Field> fields = new java.util.ArrayList<>();
        for (Schema.Field f : base.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        Object defaultValue = type.getType() == Schema.Type.ARRAY ? List.of() : Schema.Field.NULL_DEFAULT_VALUE;
        fields.add(new Schema.Field(name, type, null, defaultValue));
        return Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
    }

    /** request_id, model, task and text set; every other field of PromptRequest null. */
    private static void minimalRequest(org.apache.avro.io.BinaryEncoder out) throws java.io.IOException {
        out.writeString("deep");
        out.writeString("m");
        out.writeEnum(0);
        out.writeIndex(1);
        out.writeString("hi");
        out.writeIndex(0);
        out.writeIndex(0);
        restNull(out);
    }

    /** The optional fields after input_ids, all null. */
    private static void restNull(org.apache.avro.io.BinaryEncoder out) throws java.io.IOException {
        int after = PromptRequest.getClassSchema().getFields().size()
                - PromptRequest.getClassSchema().getField("input_ids").pos() - 1;
        for (int i = 0; i < after; i++) {
            out.writeIndex(0);
        }
    }
}
