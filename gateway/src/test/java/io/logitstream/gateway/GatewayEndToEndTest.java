package io.logitstream.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.testkit.PrometheusScrape;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The gateway over HTTP in front of the whole stack, in process: broker, registry process,
 * topology, a worker with the tiny GPT-2; answers compared with the worker's own computation of the
 * same request. Then the real clients, the openai SDK and lm-evaluation-harness, from the local
 * wheel mirror (skipped where there is none).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayEndToEndTest {

    static final String MODEL = "tiny-gpt2";
    /** A pool the topology routes to and no worker serves: its requests are never answered. */
    static final String IDLE = "idle-model";
    static final Path ROOT = GatewayStack.ROOT;
    static final Path MODEL_DIR = ROOT.resolve("fixtures/models/tiny-gpt2");
    static final String FOX = "The quick brown fox jumps over the lazy dog.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private GatewayStack stack;
    private LoadedModel model;
    private TaskRouter reference;
    private GatewaySettings settings;
    private Gateway gateway;
    private HttpCalls http;

    @BeforeAll
    void startStack() throws Exception {
        stack = GatewayStack.start(MODEL, IDLE);
        model = stack.model();
        reference = new TaskRouter(model, "reference");
        settings = stack.settings();
        gateway = stack.gateway();
        http = stack.http();
    }

    @AfterAll
    void stopStack() throws Exception {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void modelsListsTheServedPool() throws Exception {
        assertThat(http.get("/models").body().path("data").findValuesAsText("id")).containsExactly(IDLE, MODEL);
        assertThat(http.get("/models/" + MODEL).body().path("id").asText()).isEqualTo(MODEL);
        assertThat(http.get("/models/nope").status()).isEqualTo(404);
    }

    @Test
    void echoWithMaxTokensZeroGivesTheWorkersScoreOfThePrompt() throws Exception {
        HttpCalls.Answer answer = http.post("/completions", Map.of("model", MODEL, "prompt", FOX, "max_tokens", 0,
                "echo", true, "logprobs", 3));

        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
        JsonNode choice = answer.body().path("choices").get(0);
        assertThat(choice.path("text").asText()).isEqualTo(FOX);
        ScoringResult score = referenceScore(FOX, 3);
        JsonNode logprobs = choice.path("logprobs");
        assertSameLogprobs(logprobs.path("token_logprobs"), score.getScore().getTokenLogprobs());
        assertThat(String.join("", HttpCalls.texts(logprobs.path("tokens")))).isEqualTo(FOX);
        assertThat(logprobs.path("top_logprobs").get(1).size()).as("3 alternatives, and the token if not among them")
                .isBetween(3, 4);
        assertThat(answer.body().path("usage").path("prompt_tokens").asInt()).isEqualTo(score.getInputIds().size());
        assertThat(answer.body().path("system_fingerprint").asText()).isEqualTo(model.fingerprint().value());
    }

    @Test
    void lmEvalsLoglikelihoodRequestScoresEachPromptAndAddsTheGreedyToken() throws Exception {
        List<Integer> first = ids("Question: What color is the sky?\nAnswer: blue");
        List<Integer> second = ids("Hello world, this is");
        HttpCalls.Answer answer = http.post("/completions", Map.of("model", MODEL, "prompt", List.of(first, second),
                "max_tokens", 1, "temperature", 0, "logprobs", 1, "seed", 1234, "echo", true));

        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
        JsonNode choices = answer.body().path("choices");
        assertThat(choices).hasSize(2);
        JsonNode logprobs = choices.get(1).path("logprobs").path("token_logprobs");
        assertThat(logprobs).hasSize(second.size() + 1);
        ScoringResult score = reference.handle(item(PromptRequest.newBuilder().setRequestId("ref-ids")
                .setModel(MODEL).setTask(Task.SCORE).setInputIds(second).build()), TokenSink.DISCARD);
        for (int t = 1; t < second.size(); t++) {
            assertThat(logprobs.get(t).doubleValue()).isCloseTo(score.getScore().getTokenLogprobs().get(t), within(1e-5));
        }
        JsonNode top = choices.get(1).path("logprobs").path("top_logprobs").get(second.size());
        assertThat(logprobs.get(second.size()).floatValue()).as("the greedy token is its own top one")
                .isEqualTo(top.elements().next().floatValue());
    }

    @Test
    void chatCompletionEqualsTheWorkersGeneration() throws Exception {
        HttpCalls.Answer answer = http.post("/chat/completions", chat(false, 8));

        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
        JsonNode choice = answer.body().path("choices").get(0);
        ScoringResult generated = referenceChat(8);
        assertThat(choice.path("message").path("content").asText()).isEqualTo(generated.getGeneration().getText());
        assertThat(choice.path("logprobs").path("content")).hasSize(generated.getGeneration().getNewIds().size());
        assertThat(answer.body().path("usage").path("completion_tokens").asInt())
                .isEqualTo(generated.getGeneration().getCompletionTokens());
    }

    @Test
    void streamedChatChunksRebuildTheText() throws Exception {
        List<JsonNode> events = http.stream("/chat/completions", chat(true, 8));

        assertThat(events.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (JsonNode event : events) {
            for (JsonNode choice : event.path("choices")) {
                text.append(choice.path("delta").path("content").asText(""));
                finish = choice.path("finish_reason").isNull() ? finish : choice.path("finish_reason").asText();
            }
        }
        ScoringResult generated = referenceChat(8);
        assertThat(text.toString()).isEqualTo(generated.getGeneration().getText());
        assertThat(events).as("a delta per token, not one block").hasSizeGreaterThan(3);
        assertThat(finish).isNotNull();
        assertThat(events.get(events.size() - 1).path("usage").path("completion_tokens").asInt())
                .isEqualTo(generated.getGeneration().getCompletionTokens());
    }

    @Test
    void concurrentRequestsShareTheGatewaysKafkaClients() throws Exception {
        List<CompletableFuture<HttpCalls.Answer>> answers = IntStream.range(0, 12).mapToObj(i ->
                http.postAsync("/completions", Map.of("model", MODEL, "prompt", "Request number " + i,
                        "max_tokens", 3, "temperature", 0))).toList();

        for (CompletableFuture<HttpCalls.Answer> answer : answers) {
            assertThat(answer.get().status()).isEqualTo(200);
            assertThat(answer.get().body().path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        }
    }

    @Test
    void errorsAreOpenAiErrorObjectsWithTheirStatus() throws Exception {
        HttpCalls.Answer invalid = http.post("/chat/completions", Map.of("model", MODEL, "top_p", 2, "messages",
                List.of(Map.of("role", "user", "content", "Hi"))));
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.body().path("error").path("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(invalid.body().path("error").path("message").asText()).as("the topology's validation message")
                .contains("top_p must be in (0, 1]");

        HttpCalls.Answer malformed = http.post("/chat/completions", Map.of("model", MODEL));
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.body().path("error").path("message").asText()).contains("'messages'");

        HttpCalls.Answer unknown = http.post("/completions", Map.of("model", "no-such-model", "prompt", "Hi"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().path("error").path("code").asText()).isEqualTo("UNKNOWN_MODEL");

        HttpCalls.Answer tooLong = http.post("/completions", Map.of("model", MODEL, "max_tokens", 0, "echo", true,
                "prompt", IntStream.range(0, 300).boxed().toList()));
        assertThat(tooLong.status()).isEqualTo(413);
        assertThat(tooLong.body().path("error").path("code").asText()).isEqualTo("CONTEXT_LENGTH_EXCEEDED");

        assertThat(http.get("/nowhere").status()).isEqualTo(404);
    }

    @Test
    void prometheusMetricsCountTheHttpRequestsByEndpointAndStatus() throws Exception {
        assertThat(http.post("/completions", Map.of("model", MODEL, "prompt", FOX, "max_tokens", 0, "echo", true,
                "logprobs", 1)).status()).isEqualTo(200);
        assertThat(http.get("/models/nope").status()).isEqualTo(404);
        assertThat(http.stream("/chat/completions", chat(true, 4))).isNotEmpty();

        Map<String, String> completions = Map.of("method", "POST", "endpoint", "/v1/completions", "status", "200");
        Map<String, String> streamed = Map.of("method", "POST", "endpoint", "/v1/chat/completions", "status", "200");
        PrometheusScrape scrape = scrapeGatewayUntil(s -> s.sum("logitstream_gateway_http_requests_total", streamed) >= 1);

        assertThat(scrape.contentType()).startsWith("text/plain");
        assertThat(scrape.sum("logitstream_gateway_http_requests_total", completions)).isGreaterThanOrEqualTo(1);
        assertThat(scrape.sum("logitstream_gateway_http_requests_total", Map.of("method", "GET", "endpoint",
                "/v1/models/{id}", "status", "404"))).isGreaterThanOrEqualTo(1);
        double timed = scrape.sum("logitstream_gateway_http_request_duration_seconds_count", completions);
        assertThat(timed).isEqualTo(scrape.sum("logitstream_gateway_http_requests_total", completions));
        assertThat(scrape.sum("logitstream_gateway_http_request_duration_seconds_bucket",
                with(completions, "le", "+Inf"))).isEqualTo(timed);
        assertThat(scrape.sum("logitstream_gateway_http_request_duration_seconds_sum", completions)).isPositive();
        assertThat(scrape.matching("logitstream_gateway_http_requests_in_flight", Map.of())).singleElement()
                .satisfies(gauge -> assertThat(gauge.value()).isBetween(0.0, 12.0));
        assertThat(scrape.has("logitstream_gateway_kafka_pending")).isTrue();
        assertThat(scrape.sum("jvm_memory_used_bytes")).isPositive();
    }

    /** Scrapes until {@code ready} holds (an answer's end is counted when its exchange closes), at most 10 s. */
    private PrometheusScrape scrapeGatewayUntil(java.util.function.Predicate<PrometheusScrape> ready) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        PrometheusScrape scrape = PrometheusScrape.fetch(gateway.metricsUrl());
        while (!ready.test(scrape) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            scrape = PrometheusScrape.fetch(gateway.metricsUrl());
        }
        return scrape;
    }

    private static Map<String, String> with(Map<String, String> labels, String key, String value) {
        Map<String, String> out = new java.util.HashMap<>(labels);
        out.put(key, value);
        return out;
    }

    @Test
    void aRequestNobodyAnswersIsA504AfterTheTimeout() throws Exception {
        try (Gateway impatient = Gateway.start(settings.withRequestTimeout(Duration.ofSeconds(2)))) {
            long start = System.nanoTime();
            HttpCalls.Answer answer = new HttpCalls(impatient.url()).post("/completions",
                    Map.of("model", IDLE, "prompt", "Hi"));

            assertThat(answer.status()).isEqualTo(504);
            assertThat(answer.body().path("error").path("code").asText()).isEqualTo("TIMEOUT");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofSeconds(2),
                    Duration.ofSeconds(30));
        }
    }

    @Test
    @Tag(PythonClients.TAG)
    void theOpenAiPythonSdkWorksUnchanged() throws Exception {
        PythonClients python = PythonClients.venv().ensure("import openai", PythonClients.OPENAI, List.of());

        JsonNode out = JSON.readTree(python.run(script("openai_client_check.py"),
                List.of(gateway.url().toString(), MODEL), Map.of(), 300));

        assertThat(HttpCalls.texts(out.path("models"))).containsExactly(IDLE, MODEL);
        JsonNode completion = out.path("completion");
        assertThat(completion.path("text").asText()).isEqualTo(FOX);
        assertSameLogprobs(completion.path("token_logprobs"), referenceScore(FOX, 2).getScore().getTokenLogprobs());
        assertThat(String.join("", HttpCalls.texts(completion.path("tokens")))).isEqualTo(FOX);
        JsonNode stream = out.path("stream");
        assertThat(HttpCalls.texts(stream.path("roles"))).containsExactly("assistant");
        assertThat(String.join("", HttpCalls.texts(stream.path("deltas"))))
                .isEqualTo(out.path("chat").path("content").asText())
                .isEqualTo(referenceChat(8).getGeneration().getText());
        assertThat(stream.path("finish_reason").asText()).isEqualTo(out.path("chat").path("finish_reason").asText());
        assertThat(stream.path("completion_tokens").asInt()).isPositive();
    }

    @Test
    @Tag(PythonClients.TAG)
    void lmEvaluationHarnessThroughTheGatewayAgreesWithItsHfBackend() throws Exception {
        PythonClients python = PythonClients.venv().ensure("import lm_eval, accelerate, aiohttp, tenacity;"
                + " from lm_eval.models.huggingface import HFLM; import lm_eval.models.openai_completions;"
                + " assert lm_eval.__version__ == '0.4.13'", PythonClients.LM_EVAL_DEPENDENCIES,
                List.of(PythonClients.LM_EVAL));
        Path taskDir = LmEvalTask.write(Path.of("target", "lm-eval-task").toAbsolutePath());

        JsonNode out = JSON.readTree(python.run(script("lm_eval_check.py"), List.of(gateway.url() + "/completions",
                MODEL, MODEL_DIR.toString(), taskDir.toString()), LmEvalTask.offlineEnvironment(taskDir), 900));

        JsonNode viaGateway = out.path("gateway");
        JsonNode hf = out.path("hf");
        assertThat(viaGateway.path("items")).hasSize(LmEvalTask.DOCUMENTS);
        double maxDelta = 0;
        for (int d = 0; d < LmEvalTask.DOCUMENTS; d++) {
            JsonNode a = viaGateway.path("items").get(d);
            JsonNode b = hf.path("items").get(d);
            assertThat(a.path("loglikelihoods")).hasSameSizeAs(b.path("loglikelihoods"));
            for (int c = 0; c < b.path("loglikelihoods").size(); c++) {
                double expected = b.path("loglikelihoods").get(c).asDouble();
                assertThat(a.path("loglikelihoods").get(c).asDouble()).as("document %d, candidate %d", d, c)
                        .isCloseTo(expected, within(1e-4));
                maxDelta = Math.max(maxDelta, Math.abs(a.path("loglikelihoods").get(c).asDouble() - expected));
            }
            assertThat(a.path("is_greedy")).isEqualTo(b.path("is_greedy"));
        }
        assertThat(viaGateway.path("acc").asDouble()).isEqualTo(hf.path("acc").asDouble());
        System.err.printf("lm-eval through the gateway: acc %.3f; hf backend: acc %.3f; %d documents, max"
                + " |loglikelihood difference| %.2e%n", viaGateway.path("acc").asDouble(), hf.path("acc").asDouble(),
                LmEvalTask.DOCUMENTS, maxDelta);
    }

    private static Path script(String name) {
        return ROOT.resolve("gateway/src/test/python").resolve(name);
    }

    private Map<String, Object> chat(boolean stream, int maxTokens) {
        return Map.of("model", MODEL, "messages", List.of(Map.of("role", "user", "content", "Tell me a story.")),
                "max_tokens", maxTokens, "temperature", 0, "logprobs", true, "stream", stream,
                "stream_options", Map.of("include_usage", true));
    }

    private ScoringResult referenceScore(String text, int top) {
        return reference.handle(item(PromptRequest.newBuilder().setRequestId("ref-score").setModel(MODEL)
                .setTask(Task.SCORE).setText(text).setTopLogprobs(top).build()), TokenSink.DISCARD);
    }

    private ScoringResult referenceChat(int maxTokens) {
        return reference.handle(item(PromptRequest.newBuilder().setRequestId("ref-chat").setModel(MODEL)
                .setTask(Task.GENERATE).setMessages(List.of(new ChatMessage("user", "Tell me a story.")))
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(maxTokens).setDoSample(false).build())
                .build()), TokenSink.DISCARD);
    }

    private List<Integer> ids(String text) {
        return IntStream.of(model.encodeText(text)).boxed().toList();
    }

    private static void assertSameLogprobs(JsonNode actual, List<Float> expected) {
        assertThat(actual).hasSize(expected.size());
        assertThat(actual.get(0).isNull()).as("the first token has no context").isTrue();
        for (int t = 1; t < expected.size(); t++) {
            assertThat(actual.get(t).doubleValue()).as("token %d", t).isCloseTo(expected.get(t), within(1e-5));
        }
    }

    private static WorkItem item(PromptRequest request) {
        long now = System.currentTimeMillis();
        return new WorkItem(request, now, now);
    }
}
