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

/** {@code score --image} and {@code generate --image} on the tiny InternVL fixture, against transformers. */
class ImageCommandsTest {
    private static final JsonNode GOLDEN = TestModels.golden("tiny-internvl").get("prompts").get(0);

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
        return TestModels.modelDir("tiny-internvl").toString();
    }

    private static String image() {
        return TestModels.root().resolve(GOLDEN.get("image").asText()).toString();
    }

    @Test
    void scoreWithAnImageGivesTheLetterLogprobOfTransformers() throws Exception {
        JsonNode j = run("score", "--model", model(), "--text", GOLDEN.get("text").asText(), "--image", image(),
                "--continuation", " A");

        assertThat(j.get("input_ids")).hasSize(GOLDEN.get("input_ids").size() + 1);
        assertThat(j.get("continuation").get("token_logprobs").get(0).asDouble())
                .isCloseTo(GOLDEN.get("choice").get("logprob").get(0).asDouble(), within(1e-4));
    }

    @Test
    void generateWithAnImageStartsWithTransformersArgmax() throws Exception {
        JsonNode j = run("generate", "--model", model(), "--text", GOLDEN.get("text").asText(), "--image", image(),
                "--max-new-tokens", "1", "--no-stream");

        assertThat(j.get("input_ids")).hasSize(GOLDEN.get("input_ids").size());
        assertThat(j.get("new_ids").get(0).asInt())
                .isEqualTo(io.logitstream.worker.task.ImageRequestTest.argmaxOfLastPosition(GOLDEN));
    }
}
