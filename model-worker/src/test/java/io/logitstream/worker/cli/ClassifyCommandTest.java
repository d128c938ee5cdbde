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

/** {@code classify} on the classification fixtures, and score/generate refusing a classifier. */
class ClassifyCommandTest {
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

    @Test
    void classifyPrintsTheLabelsOfTransformersPooledLogits() throws Exception {
        JsonNode golden = TestModels.golden("tiny-qwen2-cls");
        JsonNode c = TestModels.goldenCase(golden, "trailing_pad");
        String ids = c.get("input_ids").get(0).toString().replaceAll("[\\[\\]]", "");
        Run r = run("classify", "--model", TestModels.modelDir("tiny-qwen2-cls").toString(), "--input-ids", ids);
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("pooled_index").asInt()).isEqualTo(c.get("pooled_index").get(0).asInt());
        assertThat(j.get("problem_type").asText()).isEqualTo("single_label_classification");
        double sum = 0;
        for (int l = 0; l < 3; l++) {
            JsonNode label = j.get("labels").get(l);
            assertThat(label.get("label").asText()).isEqualTo(golden.get("labels").get(l).asText());
            assertThat(label.get("logit").asDouble()).isCloseTo(c.get("logits").get(0).get(l).asDouble(), within(1e-5));
            sum += label.get("probability").asDouble();
        }
        assertThat(sum).isCloseTo(1.0, within(1e-9));
        assertThat(j.get("best_label").asText()).isEqualTo("negative");
        assertThat(j.get("reward").isNull()).isTrue();
    }

    @Test
    void aRewardModelPrintsItsScalar() throws Exception {
        JsonNode c = TestModels.goldenCase(TestModels.golden("tiny-llama-reward"), "text_1");
        Run r = run("classify", "--model", TestModels.modelDir("tiny-llama-reward").toString(), "--text",
                c.get("text").asText());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids").get(0));
        assertThat(j.get("reward").asDouble()).isCloseTo(c.get("logits").get(0).get(0).asDouble(), within(1e-5));
        assertThat(j.get("labels").get(0).get("probability").isNull()).isTrue();
    }

    @Test
    void scoreAndGenerateRefuseAClassifierAndClassifyRefusesACausalLm() {
        String classifier = TestModels.modelDir("tiny-gpt2-cls").toString();
        Run score = run("score", "--model", classifier, "--text", "Hi");
        assertThat(score.exit()).isEqualTo(2);
        assertThat(score.err()).contains("score needs a language-model head").contains("run classify instead");
        Run generate = run("generate", "--model", classifier, "--text", "Hi");
        assertThat(generate.exit()).isEqualTo(2);
        assertThat(generate.err()).contains("generate needs a language-model head");
        Run classify = run("classify", "--model", TestModels.tinyGpt2Dir().toString(), "--text", "Hi");
        assertThat(classify.exit()).isEqualTo(2);
        assertThat(classify.err()).contains("CLASSIFY needs a sequence-classification or reward model");
    }
}
