package io.logitstream.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.worker.engine.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code score} and {@code generate} on fixtures/models/tiny-xcomposer2 (tiny-internlm2 in
 * InternLM-XComposer2's layout): text gives tiny-internlm2's numbers (tiny-qwen2's transformers
 * outputs), {@code --image} is refused with the reason.
 */
class XComposerCommandsTest {
    private static final String MODEL = TestModels.modelDir("tiny-xcomposer2").toString();

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = WorkerCliMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static JsonNode golden(int i) {
        return TestModels.golden("tiny-xcomposer2").get("cases").get(i);
    }

    @Test
    void scoreOnTextMatchesTheGolden() throws Exception {
        JsonNode c = golden(2);
        Run r = run("score", "--model", MODEL, "--text", c.get("text").asText());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids"));
        for (int t = 1; t < c.get("input_ids").size(); t++) {
            assertThat(j.get("token_logprobs").get(t).asDouble())
                    .isCloseTo(c.get("token_logprobs").get(t).asDouble(), within(1e-4));
        }
        assertThat(j.get("loss").asDouble()).isCloseTo(c.get("loss").asDouble(), within(1e-4));
    }

    @Test
    void generateOnTextGivesTheGoldenGreedyTokens() throws Exception {
        JsonNode c = golden(0);
        Run r = run("generate", "--model", MODEL, "--text", c.get("text").asText(), "--max-new-tokens", "8",
                "--ignore-eos");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(new ObjectMapper().readTree(r.out()).get("new_ids")).isEqualTo(c.get("greedy_new_ids"));
    }

    @Test
    void scoreWithAnImageIsRefusedWithTheReason() {
        Run r = run("score", "--model", MODEL, "--text", "What is it?", "--image",
                TestModels.root().resolve("fixtures/images/rgb-112x56.png").toString());
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("UNSUPPORTED").contains("CLIP").contains("Plora_A/Plora_B");
    }
}
