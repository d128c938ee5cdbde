package io.logitstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.testkit.SchemaRegistryProcess;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A value whose schema id names a JSON Schema, against the real registry: the record's fault, so
 * the reader refuses it at once (UNSUPPORTED_SCHEMA) instead of calling it a registry outage and
 * retrying for ever.
 */
class RegistryPoisonTest {

    @Test
    void aJsonSchemaIdIsUnsupportedNotTransient() throws Exception {
        try (SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            int id = PoisonPayloads.registerJsonSchema(registry.url(), "json-poison-value");
            byte[] value = PoisonPayloads.framed(id, out -> out.writeFixed("{\"a\": 1}".getBytes(StandardCharsets.UTF_8)));
            var reader = new AvroDeserializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));

            assertThatThrownBy(() -> reader.deserialize("llm.prompts", value))
                    .isInstanceOfSatisfying(RecordDecodeException.class, e -> {
                        assertThat(e.error()).isEqualTo(DecodeError.UNSUPPORTED_SCHEMA);
                        assertThat(e.isTransient()).isFalse();
                    })
                    .hasMessageContaining(Integer.toString(id));
        }
    }

}
