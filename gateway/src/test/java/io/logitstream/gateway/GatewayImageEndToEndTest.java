package io.logitstream.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.contract.ImageLimits;
import io.logitstream.worker.cli.WorkerCliMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import picocli.CommandLine;

/**
 * OpenAI vision-style chat through the gateway in front of the whole stack (broker, registry,
 * topology, a worker on the tiny InternVL fixture): an image sent inline as a data URL and one
 * referenced by a file:// URL give the text (and logprobs) of the worker's own
 * {@code generate --messages .. --image ..} for the same chat, streamed or not; broken image parts
 * are OpenAI-style 400s, and a body over the gateway's size limit a 413.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayImageEndToEndTest {

    static final String MODEL = "tiny-internvl";
    static final Path SMALL = GatewayStack.ROOT.resolve("fixtures/images/rgb-112x56.png");
    static final Path WIDE = GatewayStack.ROOT.resolve("fixtures/images/rgb-300x100.png");
    static final int MAX_TOKENS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private GatewayStack stack;
    private HttpCalls http;

    @BeforeAll
    void startStack() throws Exception {
        // The worker reads file:// images only under the directories it is given (read when it starts).
        System.setProperty("logitstream.images.dirs", WIDE.getParent().toString());
        stack = GatewayStack.start(MODEL);
        http = stack.http();
    }

    @AfterAll
    void stopStack() throws Exception {
        System.clearProperty("logitstream.images.dirs");
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void anInlineImageGivesTheWorkersGenerationWithThatImage() throws Exception {
        String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(SMALL));
        List<Object> content = List.of(text("Describe"), image(dataUrl), text("in one word."));

        HttpCalls.Answer answer = http.post("/chat/completions", chat(content, false));

        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
        JsonNode reference = generate("Describe\n<image>\nin one word.", SMALL);
        JsonNode choice = answer.body().path("choices").get(0);
        assertThat(choice.path("message").path("content").asText()).isEqualTo(reference.path("text").asText());
        JsonNode logprobs = choice.path("logprobs").path("content");
        assertThat(logprobs).hasSize(reference.path("token_logprobs").size());
        for (int t = 0; t < logprobs.size(); t++) {
            assertThat(logprobs.get(t).path("logprob").asDouble()).as("token %d", t)
                    .isCloseTo(reference.path("token_logprobs").get(t).asDouble(), within(1e-4));
        }
        assertThat(answer.body().path("usage").path("prompt_tokens").asInt()).as("the image's tokens included")
                .isEqualTo(reference.path("input_ids").size());
    }

    @Test
    void aStreamedChatWithAFileUrlImageRebuildsTheWorkersText() throws Exception {
        List<Object> content = List.of(image(WIDE.toUri().toString()), text("What is in the picture?"));

        List<JsonNode> events = http.stream("/chat/completions", chat(content, true));

        StringBuilder streamed = new StringBuilder();
        for (JsonNode event : events) {
            for (JsonNode choice : event.path("choices")) {
                streamed.append(choice.path("delta").path("content").asText(""));
            }
        }
        JsonNode reference = generate("<image>\nWhat is in the picture?", WIDE);
        assertThat(streamed.toString()).isEqualTo(reference.path("text").asText());
        assertThat(events).as("a delta per token, not one block").hasSizeGreaterThan(3);
        assertThat(events.get(events.size() - 1).path("usage").path("prompt_tokens").asInt())
                .isEqualTo(reference.path("input_ids").size());
    }

    @Test
    void brokenImagePartsAreOpenAiErrors() throws Exception {
        assertInvalid(List.of(image("data:image/png;base64,%%%")), "not valid base64");
        assertInvalid(List.of(text("Hi"), Map.of("type", "input_audio", "input_audio", Map.of())),
                "'input_audio' is not supported");
        String tooLarge = "data:image/png;base64,"
                + Base64.getEncoder().encodeToString(new byte[ImageLimits.MAX_INLINE_BYTES + 1]);
        assertInvalid(List.of(image(tooLarge)), "more than " + ImageLimits.MAX_INLINE_BYTES);

        String notAnImage = "data:image/png;base64," + Base64.getEncoder().encodeToString(
                "not a picture".getBytes(StandardCharsets.UTF_8));
        HttpCalls.Answer undecodable = http.post("/chat/completions", chat(List.of(image(notAnImage)), false));
        assertThat(undecodable.status()).as("the worker's INVALID_INPUT").isEqualTo(400);
        assertThat(undecodable.body().path("error").path("code").asText()).isEqualTo("INVALID_INPUT");
        assertThat(undecodable.body().path("error").path("message").asText()).contains("images[0]");
    }

    @Test
    void aBodyOverTheGatewaysLimitIs413() throws Exception {
        String huge = "data:image/png;base64," + "A".repeat(64 * 1024 * 1024);

        HttpCalls.Answer answer = http.post("/chat/completions", chat(List.of(image(huge)), false));

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.body().path("error").path("code").asText()).isEqualTo("BODY_TOO_LARGE");
    }

    private void assertInvalid(List<Object> content, String message) throws Exception {
        HttpCalls.Answer answer = http.post("/chat/completions", chat(content, false));
        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(400);
        JsonNode error = answer.body().path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asText()).isEqualTo("INVALID_REQUEST");
        assertThat(error.path("param").asText()).startsWith("messages[0].content[");
        assertThat(error.path("message").asText()).contains(message);
    }

    /** The worker's own path for the same chat: {@code generate --messages .. --image ..}, greedy. */
    private static JsonNode generate(String userText, Path image) throws Exception {
        CommandLine cli = WorkerCliMain.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String messages = JSON.writeValueAsString(List.of(Map.of("role", "user", "content", userText)));
        int exit = cli.execute("generate", "--model", GatewayStack.ROOT.resolve("fixtures/models/" + MODEL).toString(),
                "--messages", messages, "--image", image.toString(), "--max-new-tokens", Integer.toString(MAX_TOKENS),
                "--no-stream");
        assertThat(exit).as(err.toString()).isZero();
        JsonNode result = JSON.readTree(out.toString());
        assertThat(result.path("parameters").path("images").asText()).as("the image was read").isEqualTo("1");
        assertThat(result.path("new_ids")).as("something to compare").isNotEmpty();
        return result;
    }

    private static Map<String, Object> chat(List<Object> content, boolean stream) {
        return Map.of("model", MODEL, "messages", List.of(Map.of("role", "user", "content", content)),
                "max_tokens", MAX_TOKENS, "temperature", 0, "logprobs", true, "stream", stream,
                "stream_options", Map.of("include_usage", true));
    }

    private static Map<String, Object> text(String text) {
        return Map.of("type", "text", "text", text);
    }

    private static Map<String, Object> image(String url) {
        return Map.of("type", "image_url", "image_url", Map.of("url", url, "detail", "auto"));
    }
}
