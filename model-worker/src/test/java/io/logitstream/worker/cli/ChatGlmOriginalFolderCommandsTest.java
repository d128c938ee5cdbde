package io.logitstream.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.worker.engine.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code score} and {@code generate} on the original-folder tokenizers: fixtures/models/tiny-chatglm3
 * (ChatGLM3: SentencePiece tokenizer.model with the remote-code ChatGLMTokenizer; messages become
 * build_chat_input's ids) and tiny-glm4-chat (GLM-4: tiktoken tokenizer.model with ChatGLM4Tokenizer;
 * messages through its chat_template). Text gets [gMASK] sop / [gMASK] <sop> in front; the numbers
 * and greedy ids (stopping at the end and role tokens) are transformers' GlmForCausalLM on the same weights.
 */
class ChatGlmOriginalFolderCommandsTest {

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

    private static String model(String name) {
        return TestModels.root().resolve("fixtures/models/" + name).toString();
    }

    private static JsonNode golden(String name, int i) {
        return TestModels.readJson(TestModels.root().resolve("fixtures/golden/" + name + ".json")).get("cases").get(i);
    }

    private static String[] prompt(JsonNode c) throws Exception {
        return c.has("text") ? new String[] {"--text", c.get("text").asText()}
                : new String[] {"--messages", new ObjectMapper().writeValueAsString(c.get("messages"))};
    }

    @ParameterizedTest
    @CsvSource({"tiny-chatglm3,0", "tiny-chatglm3,1", "tiny-chatglm3,2", "tiny-glm4-chat,0", "tiny-glm4-chat,1",
        "tiny-glm4-chat,2"})
    void scoreMatchesTransformers(String name, int i) throws Exception {
        JsonNode c = golden(name, i);
        String[] p = prompt(c);
        JsonNode j = run("score", "--model", model(name), p[0], p[1], "--add-generation-prompt");
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids"));
        for (int t = 1; t < c.get("input_ids").size(); t++) {
            assertThat(j.get("token_logprobs").get(t).asDouble())
                    .isCloseTo(c.get("token_logprobs").get(t).asDouble(), within(1e-4));
        }
        assertThat(j.get("loss").asDouble()).isCloseTo(c.get("loss").asDouble(), within(1e-4));
    }

    @ParameterizedTest
    @CsvSource({"tiny-chatglm3,0", "tiny-chatglm3,1", "tiny-chatglm3,2", "tiny-glm4-chat,0", "tiny-glm4-chat,1",
        "tiny-glm4-chat,2"})
    void generateMatchesTransformers(String name, int i) throws Exception {
        JsonNode c = golden(name, i);
        String[] p = prompt(c);
        JsonNode j = run("generate", "--model", model(name), p[0], p[1], "--max-new-tokens", "8", "--stream");
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids"));
        assertThat(j.get("new_ids")).isEqualTo(c.get("greedy_new_ids"));
    }
}
