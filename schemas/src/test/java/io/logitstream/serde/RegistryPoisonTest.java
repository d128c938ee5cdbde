package io.logitstream.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.testkit.SchemaRegistryProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
            int id = registerJsonSchema(registry.url(), "json-poison-value");
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

    private static int registerJsonSchema(String url, String subject) throws Exception {
        ObjectMapper json = new ObjectMapper();
        String body = json.createObjectNode().put("schemaType", "JSON")
                .put("schema", "{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\"}}}").toString();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url + "/subjects/" + subject + "/versions"))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body()).path("id").asInt();
    }
}
