package io.logitstream.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.worker.engine.TestModels;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code score} and {@code generate} end to end on the tiny GPT-2 fixture. */
class EngineCommandsTest {
    private record Run(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
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

    private static String model() {
        return TestModels.tinyGpt2Dir().toString();
    }

    private static JsonNode golden(String name) {
        return TestModels.goldenCase(TestModels.tinyGpt2Golden(), name);
    }

    /** {@code --weights}: a bitsandbytes 8-bit folder scores like its golden; int8 at load on a float one; bad values fail. */
    @Test
    void weightsOptionLoadsInt8() throws Exception {
        JsonNode bnb = TestModels.goldenCase(TestModels.golden("tiny-llama-bnb8"), "short");
        Run r = run("score", "--model", TestModels.modelDir("tiny-llama-bnb8").toString(), "--prompt",
                bnb.get("text").asText());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().get("loss").asDouble()).isCloseTo(bnb.get("loss").asDouble(), within(1e-5));
        Run q = run("score", "--model", TestModels.modelDir("tiny-llama").toString(), "--weights", "int8", "--prompt",
                bnb.get("text").asText());
        assertThat(q.exit()).as(q.err()).isZero();
        assertThat(q.json().get("loss").asDouble()).isCloseTo(bnb.get("loss").asDouble(), within(1e-5));
        Run g = run("generate", "--model", TestModels.modelDir("tiny-llama").toString(), "--weights", "int8",
                "--prompt", bnb.get("text").asText(), "--max-new-tokens", "4");
        assertThat(g.exit()).as(g.err()).isZero();
        assertThat(run("score", "--model", model(), "--weights", "int4", "--prompt", "x").exit()).isNotZero();
    }

    @Test
    void scorePrintsOneJsonObjectMatchingTransformers() throws Exception {
        JsonNode c = golden("unicode");
        Run r = run("score", "--model", model(), "--prompt", c.get("text").asText(), "--top-k", "3");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().trim().lines()).hasSize(1);
        JsonNode j = r.json();
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids"));
        assertThat(j.get("tokens")).hasSize(c.get("input_ids").size());
        assertThat(j.get("token_logprobs").get(0).isNull()).isTrue();
        assertThat(j.get("top_ids").get(0).isNull()).isTrue();
        for (int t = 1; t < c.get("input_ids").size(); t++) {
            assertThat(j.get("token_logprobs").get(t).asDouble())
                    .isCloseTo(c.get("token_logprobs").get(t).asDouble(), within(1e-4));
            assertThat(j.get("top_ids").get(t)).hasSize(3);
            assertThat(j.get("top_logprobs").get(t)).hasSize(3);
        }
        assertThat(j.get("loss").asDouble()).isCloseTo(c.get("loss").asDouble(), within(1e-5));
        assertThat(j.get("mean_nll").asDouble()).isEqualTo(j.get("loss").asDouble());
        assertThat(j.get("perplexity").asDouble()).isCloseTo(Math.exp(j.get("loss").asDouble()), within(1e-6));
        assertThat(j.get("sum_logprob").asDouble())
                .isCloseTo(-j.get("loss").asDouble() * (c.get("input_ids").size() - 1), within(1e-4));
        assertThat(j.get("model_fingerprint").asText())
                .isEqualTo(TestModels.tinyGpt2().fingerprint().value());
        assertThat(j.get("engine_version").asText()).startsWith("logitstream-engine/");
    }

    @Test
    void scoreWithContinuationAndInputIds() throws Exception {
        JsonNode c = golden("short");
        String ids = String.join(",", toStrings(c.get("input_ids")));
        Run r = run("score", "--model", model(), "--input-ids", ids, "--continuation", c.get("greedy_text").asText());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode cont = r.json().get("continuation");
        assertThat(cont.get("continuation_ids")).isEqualTo(c.get("greedy_new_ids"));
        assertThat(cont.get("is_greedy").asBoolean()).isTrue();
        assertThat(cont.get("token_logprobs")).hasSize(8);
        assertThat(r.json().get("input_ids")).hasSize(c.get("input_ids").size() + 8);
    }

    @Test
    void generatePrintsTheDocumentedJsonAndStreamsToStderr() throws Exception {
        JsonNode c = golden("long");
        Run r = run("generate", "--model", model(), "--prompt", c.get("text").asText(), "--max-new-tokens", "8",
                "--stream", "--top-logprobs", "2");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids"));
        assertThat(j.get("new_ids")).isEqualTo(c.get("greedy_new_ids"));
        assertThat(j.get("text").asText()).isEqualTo(c.get("greedy_text").asText());
        assertThat(j.get("finish_reason").asText()).isEqualTo("length");
        assertThat(j.get("token_logprobs")).hasSize(8);
        assertThat(j.get("top_ids").get(0).get(0)).isEqualTo(j.get("new_ids").get(0));
        assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(8);
        assertThat(r.err()).contains(c.get("greedy_text").asText());
    }

    @Test
    void generateWithBeamsPrintsTheHypothesesOfTransformers() throws Exception {
        JsonNode golden = TestModels.readJson(TestModels.root().resolve("fixtures/golden/beam/tiny-gpt2.json"));
        JsonNode c = null;
        for (JsonNode x : golden.get("cases")) {
            if (x.get("name").asText().equals("short/default-eos/b3r2/lp0.5/es-true/n8")) {
                c = x;
            }
        }
        String ids = String.join(",", toStrings(c.get("prompt_ids")));
        Run r = run("generate", "--model", model(), "--input-ids", ids, "--max-new-tokens", "8", "--num-beams", "3",
                "--num-return-sequences", "2", "--length-penalty", "0.5", "--early-stopping");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode sequences = r.json().get("sequences");
        assertThat(sequences).hasSize(2);
        for (int h = 0; h < 2; h++) {
            assertThat(sequences.get(h).get("new_ids")).isEqualTo(c.get("sequences").get(h));
            assertThat(sequences.get(h).get("score").asDouble())
                    .isCloseTo(c.get("sequences_scores").get(h).asDouble(), within(1e-4));
            assertThat(sequences.get(h).get("text").asText()).isNotNull();
        }
        assertThat(r.json().get("new_ids")).isEqualTo(sequences.get(0).get("new_ids"));
        assertThat(r.json().at("/parameters/num_beams").asText()).isEqualTo("3");
    }

    @Test
    void generateFromChatMessages() throws Exception {
        JsonNode chat = TestModels.tinyGpt2Golden().get("chat");
        String messages = new ObjectMapper().writeValueAsString(chat.get("messages"));
        Run r = run("generate", "--model", model(), "--messages", messages, "--max-new-tokens", "8");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().get("input_ids")).isEqualTo(chat.get("input_ids"));
        assertThat(r.json().get("new_ids")).isEqualTo(chat.get("greedy_new_ids"));
    }

    /**
     * A ChatGLM folder without a chat template: the built-in ChatGLM3 format gives transformers'
     * prompt ids of tiny-glm (same weights), and a reply ends at the next role token (here pushed
     * by a logit bias on {@code <|user|>}, 50260).
     */
    @Test
    void chatGlmFolderGeneratesFromMessagesAndStopsAtTheNextRoleToken() throws Exception {
        JsonNode chat = TestModels.golden("tiny-glm").get("chat");
        String messages = new ObjectMapper().writeValueAsString(chat.get("messages"));
        String dir = TestModels.modelDir("tiny-chatglm").toString();
        Run r = run("generate", "--model", dir, "--messages", messages, "--max-new-tokens", "8");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().get("input_ids")).isEqualTo(chat.get("input_ids"));
        assertThat(r.json().get("new_ids")).isEqualTo(chat.get("greedy_new_ids"));

        Run stop = run("generate", "--model", dir, "--messages", messages, "--max-new-tokens", "8",
                "--logit-bias", "50260=100");
        assertThat(stop.exit()).as(stop.err()).isZero();
        assertThat(stop.json().get("new_ids")).hasSize(1);
        assertThat(stop.json().get("new_ids").get(0).asInt()).isEqualTo(50260);
        assertThat(stop.json().get("finish_reason").asText()).isEqualTo("eos");
    }

    @Test
    void badRequestsFailWithOneLineOnStderr() {
        int[] tooLong = new int[300];
        Arrays.fill(tooLong, 464);
        List<String> ids = new ArrayList<>();
        for (int id : tooLong) {
            ids.add(Integer.toString(id));
        }
        Run r = run("score", "--model", model(), "--input-ids", String.join(",", ids));
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("error: input needs 300 positions but the model's context length is 256");

        Run both = run("generate", "--model", model(), "--prompt", "a", "--input-ids", "1");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("exactly one of --text, --messages, --input-ids");
    }

    /**
     * score and generate on the Llama, Qwen2-MoE, InternLM2 and GLM fixtures: the same numbers as
     * transformers (for tiny-internlm2 and tiny-chatglm, those of the fixture whose weights they hold).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"tiny-llama", "tiny-qwen2-moe", "tiny-internlm2",
        "tiny-glm", "tiny-glm4", "tiny-chatglm"})
    void scoreAndGenerateWorkForLlamaQwen2MoeAndInternLm2(String fixture) throws Exception {
        JsonNode golden = TestModels.golden(fixture);
        JsonNode c = TestModels.goldenCase(golden, "unicode");
        String dir = TestModels.modelDir(fixture).toString();
        Run s = run("score", "--model", dir, "--prompt", c.get("text").asText(), "--top-k", "2", "--device", "cpu");
        assertThat(s.exit()).as(s.err()).isZero();
        JsonNode j = s.json();
        assertThat(j.get("input_ids")).isEqualTo(c.get("input_ids"));
        for (int t = 1; t < c.get("input_ids").size(); t++) {
            assertThat(j.get("token_logprobs").get(t).asDouble())
                    .isCloseTo(c.get("token_logprobs").get(t).asDouble(), within(1e-4));
            assertThat(j.get("greedy_ids").get(t).asInt()).isEqualTo(c.get("top_ids").get(t - 1).get(0).asInt());
        }
        assertThat(j.get("model_fingerprint").asText()).isEqualTo(TestModels.model(fixture).fingerprint().value());

        Run g = run("generate", "--model", dir, "--prompt", c.get("text").asText(), "--max-new-tokens", "8",
                "--ignore-eos");
        assertThat(g.exit()).as(g.err()).isZero();
        assertThat(g.json().get("new_ids")).isEqualTo(c.get("greedy_new_ids"));
        assertThat(g.json().get("text").asText()).isEqualTo(c.get("greedy_text").asText());
    }

    @org.junit.jupiter.api.Test
    void idsOnlyCheckpointScoresAndGeneratesFromIdsAndExplainsText() throws Exception {
        JsonNode c = TestModels.goldenCase(TestModels.golden("variant-qwen2moe-norm"), "short");
        String dir = TestModels.modelDir("variant-qwen2moe-norm").toString();
        String ids = String.join(",", toStrings(c.get("input_ids")));
        Run g = run("generate", "--model", dir, "--input-ids", ids, "--max-new-tokens", "8", "--ignore-eos");
        assertThat(g.exit()).as(g.err()).isZero();
        assertThat(g.json().get("new_ids")).isEqualTo(c.get("greedy_new_ids"));
        assertThat(g.json().get("text").asText()).isEmpty();
        Run s = run("score", "--model", dir, "--input-ids", ids);
        assertThat(s.exit()).as(s.err()).isZero();
        assertThat(s.json().get("tokens").get(0).isNull()).isTrue();
        Run text = run("score", "--model", dir, "--prompt", "hello");
        assertThat(text.exit()).isEqualTo(2);
        assertThat(text.err()).contains("error: no tokenizer.json in").contains("send token ids");
    }

    @org.junit.jupiter.api.Test
    void gpuWithoutACudaBuildIsExplained() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0);
        Run r = run("score", "--model", model(), "--input-ids", "1,2", "--device", "gpu");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("PYTORCH_FLAVOR").contains("CUDA");
    }

    private static List<String> toStrings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
