package io.logitstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TokenChunk;
import io.logitstream.testkit.SchemaRegistryProcess;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers and readers across restarts of the real registry: with persistent storage (the local
 * stack's) nothing changes meaning; with in-memory storage, which hands ids out again, clients
 * move to the new ids and no value is read with another record's schema.
 */
class RegistryRestartTest {

    private static final String TOPIC = "llm.requests";

    @TempDir
    Path data;

    @Test
    void valuesWrittenBeforeAndAfterRestartsAndAKillAllReadBackUnderTheSameIds() {
        SchemaRegistryProcess registry = SchemaRegistryProcess.startPersistent(data);
        try {
            var longLived = new RestSchemaRegistryClient(registry.url()); // keeps its cache across restarts
            List<PromptRequest> sent = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            write(longLived, request("before", sent), values);
            int requestId = schemaId(values.get(0));
            int deadLetterId = longLived.register("llm.dlq-value", DeadLetter.getClassSchema());

            registry = registry.restart();
            write(longLived, request("after a restart, cached ids", sent), values);
            write(new RestSchemaRegistryClient(registry.url()), request("after a restart, new client", sent), values);
            // Acknowledged just before a kill -9: must be on disk (WRITE_DELAY=0), not in a write buffer.
            int resultId = longLived.register("llm.results-value", ScoringResult.getClassSchema());

            registry = registry.killAndRestart();
            var fresh = new RestSchemaRegistryClient(registry.url());
            write(fresh, request("after kill -9", sent), values);
            int tokenId = fresh.register("llm.tokens-value", TokenChunk.getClassSchema());

            assertThat(values).allSatisfy(v -> assertThat(schemaId(v)).isEqualTo(requestId));
            assertThat(fresh.register("llm.dlq-value", DeadLetter.getClassSchema())).isEqualTo(deadLetterId);
            assertThat(fresh.lookup("llm.results-value", ScoringResult.getClassSchema())).isEqualTo(resultId);
            assertThat(tokenId).as("a new schema gets an id never used before")
                    .isNotIn(requestId, deadLetterId, resultId);
            var reader = new AvroDeserializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
            assertThat(values).map(v -> reader.deserialize(TOPIC, v)).containsExactlyElementsOf(sent);
        } finally {
            registry.close();
        }
    }

    @Test
    void afterARestartThatLostEverythingWritersMoveToNewIdsAndNothingIsMisread() {
        var checkEveryCall = RestSchemaRegistryClient.Options.defaults().withRevalidateAfter(Duration.ZERO);
        SchemaRegistryProcess registry = SchemaRegistryProcess.start(); // in memory
        try {
            var writer = new RestSchemaRegistryClient(registry.url(), checkEveryCall);
            var reader = new AvroDeserializer<>(PromptRequest.class,
                    new RestSchemaRegistryClient(registry.url(), checkEveryCall));
            List<PromptRequest> sent = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            write(writer, request("before", sent), values);
            assertThat(reader.deserialize(TOPIC, values.get(0))).isEqualTo(sent.get(0));
            int oldId = schemaId(values.get(0));

            registry = registry.restart();
            int reissued = new RestSchemaRegistryClient(registry.url())
                    .register("llm.dlq-value", DeadLetter.getClassSchema());
            assertThat(reissued).as("an empty registry hands the same id to another schema").isEqualTo(oldId);
            write(writer, request("after", sent), values);

            assertThat(schemaId(values.get(1))).isNotEqualTo(oldId);
            var fresh = new AvroDeserializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
            assertThat(fresh.deserialize(TOPIC, values.get(1))).isEqualTo(sent.get(1));
            // The value from before now carries an id that names a DeadLetter: refused, never mis-read.
            for (var anyReader : List.of(reader, fresh)) {
                assertThatThrownBy(() -> anyReader.deserialize(TOPIC, values.get(0)))
                        .isInstanceOfSatisfying(RecordDecodeException.class,
                                e -> assertThat(e.error()).isEqualTo(DecodeError.INCOMPATIBLE_SCHEMA));
            }
        } finally {
            registry.close();
        }
    }

    private static PromptRequest request(String text, List<PromptRequest> sent) {
        PromptRequest request = PromptRequest.newBuilder().setRequestId("r" + sent.size()).setModel("m")
                .setTask(Task.SCORE).setText(text).build();
        sent.add(request);
        return request;
    }

    private static void write(RestSchemaRegistryClient client, PromptRequest request, List<byte[]> values) {
        values.add(new AvroSerializer<>(PromptRequest.class, client).serialize(TOPIC, request));
    }

    private static int schemaId(byte[] value) {
        return ByteBuffer.wrap(value, 1, 4).getInt();
    }
}
