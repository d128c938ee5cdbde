package io.logitstream.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.worker.engine.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code score} and {@code generate} on text with a model folder whose only tokenizer is a
 * SentencePiece {@code tokenizer.model} (fixtures/models/sp-llama): the ids are those of transformers'
 * slow LlamaTokenizer, the numbers and greedy tokens those of transformers' LlamaForCausalLM, the
 * text that tokenizer's decode (byte-fallback tokens included).
 */
class SentencePieceModelCommandsTest {

    private static JsonNode run(String... args) throws Exception {
        CommandLine cli = WorkerCliMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        assertThat(exit).as(err.toString()).isZero();
        return new ObjectMapper().readTree(out.toString());
    }

    private static String model() {
        return TestModels.root().resolve("fixtures/models/sp-llama").toString();
    }

    private static JsonNode golden(int i) {
        return TestModels.readJson(TestModels.root().resolve("fixtures/golden/sp-llama.json")).get("cases").get(i);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void scoreOnTextMatchesTransformers(int i) throws Exception {
        JsonNode c = golden(i);
        JsonNode j = run("score", "--model", model(), "--prompt", c.get("text").asText());
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids"));
        for (int t = 1; t < c.get("input_ids").size(); t++) {
            assertThat(j.get("token_logprobs").get(t).asDouble())
                    .isCloseTo(c.get("token_logprobs").get(t).asDouble(), within(1e-4));
        }
        assertThat(j.get("loss").asDouble()).isCloseTo(c.get("loss").asDouble(), within(1e-4));
        assertThat(j.get("tokens")).hasSize(c.get("input_ids").size());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void generateOnTextMatchesTransformers(int i) throws Exception {
        JsonNode c = golden(i);
        JsonNode j = run("generate", "--model", model(), "--prompt", c.get("text").asText(), "--max-new-tokens", "8",
                "--stream");
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids"));
        assertThat(j.get("new_ids")).isEqualTo(c.get("greedy_new_ids"));
        assertThat(j.get("text").asText()).isEqualTo(c.get("greedy_text").asText());
    }
}
