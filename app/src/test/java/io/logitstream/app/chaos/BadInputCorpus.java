package io.logitstream.app.chaos;

import io.logitstream.contract.Topics;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.serde.PoisonPayloads;
import io.logitstream.serde.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Records that no well-behaved producer writes to {@code llm.prompts}, one entry per kind. Every
 * entry is keyed by its own id (for decodable ones the request_id too, unless the kind is a key
 * mismatch), so whatever answers it, a dead letter (which keeps the key) or an error result (which
 * carries the request_id), can be matched back to it.
 */
final class BadInputCorpus {

    /** One kind of bad input: the records to send, in order, all keyed by {@code id}. */
    record Entry(String kind, String id, List<byte[]> values, boolean firstCopyValid) {

        /** How many copies repeat the first one's request_id (each is answered as DUPLICATE). */
        int duplicates() {
            return values.size() - 1;
        }
    }


    /** Fields of PromptRequest after {@code text}, all left null by {@link #unknownTaskSymbol}. */
    private static final int FIELDS_AFTER_TEXT = 12;
    /** An id no registry hands out in a test run. */
    private static final int UNKNOWN_SCHEMA_ID = 987_654;
    /** Just under the broker's default message.max.bytes (1,048,588) once key and framing are added. */
    private static final int NEAR_LIMIT_BYTES = 1_048_000;
    private static final String UTF8_PLACEHOLDER = "@@@@";
    private static final byte[] INVALID_UTF8 = {(byte) 0xC3, 0x28, (byte) 0xA0, (byte) 0xFF};

    private final String model;
    private final AvroSerializer<PromptRequest> prompts;
    private final AvroSerializer<ScoringResult> results;
    private final AvroSerializer<DeadLetter> deadLetters;
    private final Topics topics;
    private final int jsonSchemaId;
    private final List<Entry> entries = new ArrayList<>();

    private BadInputCorpus(String model, Topics topics, AvroSerializer<PromptRequest> prompts,
            AvroSerializer<ScoringResult> results, AvroSerializer<DeadLetter> deadLetters, int jsonSchemaId) {
        this.model = model;
        this.topics = topics;
        this.prompts = prompts;
        this.results = results;
        this.deadLetters = deadLetters;
        this.jsonSchemaId = jsonSchemaId;
    }

    /**
     * The whole corpus for requests to {@code model}. The serializers register the project's own
     * schemas under their own topics' subjects; {@code jsonSchemaId} names a JSON Schema the
     * caller registered under a subject of its own.
     */
    static List<Entry> build(String model, Topics topics, AvroSerializer<PromptRequest> prompts,
            AvroSerializer<ScoringResult> results, AvroSerializer<DeadLetter> deadLetters, int jsonSchemaId) {
        return new BadInputCorpus(model, topics, prompts, results, deadLetters, jsonSchemaId).all();
    }

    private List<Entry> all() {
        int promptSchemaId = ByteBuffer.wrap(serialize(score("schema-probe").build()), 1, 4).getInt();

        add("empty value", "poison-empty", new byte[0]);
        byte[] random = new byte[64];
        new Random(7).nextBytes(random);
        add("random bytes", "poison-random", random);
        byte[] wrongMagic = serialize(score("poison-wrong-magic").build());
        wrongMagic[0] = 1;
        add("wrong magic byte", "poison-wrong-magic", wrongMagic);
        add("unknown schema id", "poison-unknown-schema",
                PoisonPayloads.framed(UNKNOWN_SCHEMA_ID, out -> out.writeString("poison-unknown-schema")));
        add("ScoringResult value", "poison-scoring-result", results.serialize(topics.results(),
                ScoringResult.newBuilder().setRequestId("poison-scoring-result").setModel(model).setTask(Task.SCORE)
                        .setStatus(ResultStatus.OK).build()));
        add("DeadLetter value", "poison-dead-letter", deadLetters.serialize(topics.deadLetters(),
                DeadLetter.newBuilder().setSourceTopic(topics.prompts()).setSourcePartition(0).setSourceOffset(0)
                        .setStage("chaos").setErrorCode("CHAOS").setErrorMessage("a dead letter sent as a prompt")
                        .setRequestId("poison-dead-letter").setFailedAtMs(0).build()));
        add("JSON-Schema id", "poison-json-schema",
                PoisonPayloads.framed(jsonSchemaId, out -> out.writeFixed("{\"a\":1}".getBytes(StandardCharsets.UTF_8))));
        add("collection-size bomb", "poison-bomb", collectionSizeBomb(promptSchemaId, "poison-bomb"));
        add("near-limit invalid", "poison-near-limit", nearLimitInvalid("poison-near-limit"));
        add("missing input", "poison-no-input", serialize(request("poison-no-input", Task.SCORE).build()));
        add("double input", "poison-double-input",
                serialize(score("poison-double-input").setInputIds(List.of(1, 2, 3)).build()));
        add("unknown task symbol", "poison-task-symbol", unknownTaskSymbol(promptSchemaId, "poison-task-symbol"));
        add("top_logprobs -1", "poison-top-logprobs", serialize(score("poison-top-logprobs").setTopLogprobs(-1)
                .build()));
        add("temperature 0 + do_sample", "poison-temperature", serialize(generate("poison-temperature",
                GenerationParams.newBuilder().setDoSample(true).setTemperature(0f).setMaxNewTokens(4)).build()));
        add("max_new_tokens 0", "poison-max-new-tokens", serialize(generate("poison-max-new-tokens",
                GenerationParams.newBuilder().setMaxNewTokens(0)).build()));
        add("out-of-vocabulary ids", "poison-oov-ids", serialize(request("poison-oov-ids", Task.SCORE)
                .setInputIds(List.of(1, 10_000_000)).build()));
        add("negative ids", "poison-negative-ids", serialize(request("poison-negative-ids", Task.SCORE)
                .setInputIds(List.of(-5, 3)).build()));
        add("invalid UTF-8 text", "poison-utf8", invalidUtf8Text("poison-utf8"));
        entries.add(new Entry("key != request_id", "poison-key-mismatch",
                List.of(serialize(score("poison-key-mismatch-other-id").build())), false));
        entries.add(new Entry("tombstone", "poison-tombstone", Arrays.asList((byte[]) null), false));
        byte[] valid = serialize(score("poison-duplicate").build());
        entries.add(new Entry("duplicate request_id", "poison-duplicate", List.of(valid, valid), true));
        byte[] invalid = serialize(request("poison-duplicate-invalid", Task.SCORE).build());
        entries.add(new Entry("duplicate invalid request", "poison-duplicate-invalid", List.of(invalid, invalid),
                false));
        add("over-long model name", "poison-long-model", serialize(PromptRequest.newBuilder()
                .setRequestId("poison-long-model").setModel("m".repeat(300)).setTask(Task.SCORE).setText("Hi")
                .build()));
        return entries;
    }

    private void add(String kind, String id, byte[] value) {
        entries.add(new Entry(kind, id, List.of(value), false));
    }

    private byte[] serialize(PromptRequest request) {
        return prompts.serialize(topics.prompts(), request);
    }

    private PromptRequest.Builder request(String id, Task task) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model).setTask(task);
    }

    private PromptRequest.Builder score(String id) {
        return request(id, Task.SCORE).setText("The quick brown fox");
    }

    private PromptRequest.Builder generate(String id, GenerationParams.Builder params) {
        return request(id, Task.GENERATE).setText("Once upon a time").setGeneration(params.build());
    }

    /** Invalid request (no input) padded with metadata up to just under the broker's record limit. */
    private byte[] nearLimitInvalid(String id) {
        byte[] unpadded = serialize(request(id, Task.SCORE).setMetadata(Map.of("pad", "")).build());
        // The pad's length prefix grows from one byte to three: take those two off the pad.
        String pad = "x".repeat(NEAR_LIMIT_BYTES - unpadded.length - 2);
        byte[] value = serialize(request(id, Task.SCORE).setMetadata(Map.of("pad", pad)).build());
        if (value.length != NEAR_LIMIT_BYTES) {
            throw new IllegalStateException("near-limit value is " + value.length + " bytes");
        }
        return value;
    }

    /** A valid SCORE request whose text bytes are then replaced, same length, by bytes that are not UTF-8. */
    private byte[] invalidUtf8Text(String id) {
        byte[] value = serialize(request(id, Task.SCORE).setText(UTF8_PLACEHOLDER).build());
        byte[] placeholder = UTF8_PLACEHOLDER.getBytes(StandardCharsets.UTF_8);
        for (int i = WireFormat.HEADER_SIZE; i + placeholder.length <= value.length; i++) {
            if (Arrays.equals(value, i, i + placeholder.length, placeholder, 0, placeholder.length)) {
                System.arraycopy(INVALID_UTF8, 0, value, i, INVALID_UTF8.length);
                return value;
            }
        }
        throw new IllegalStateException("the text placeholder is not in the encoded request");
    }

    /** The issue's 41-byte value: input_ids claims a block of 2^30 ints and holds ten. */
    private byte[] collectionSizeBomb(int schemaId, String id) {
        return PoisonPayloads.collectionSizeBomb(schemaId, id, model);
    }

    /** A complete PromptRequest whose task is enum index 9 (Task has four symbols). */
    private byte[] unknownTaskSymbol(int schemaId, String id) {
        return PoisonPayloads.framed(schemaId, out -> {
            out.writeString(id);
            out.writeString(model);
            out.writeEnum(9);
            out.writeIndex(1);
            out.writeString("Hi");
            for (int i = 0; i < FIELDS_AFTER_TEXT; i++) {
                out.writeIndex(0);
            }
        });
    }
}
