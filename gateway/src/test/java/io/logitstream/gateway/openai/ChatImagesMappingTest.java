package io.logitstream.gateway.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.contract.ImageLimits;
import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenAI vision-style chat content to the contract's messages with {@code <image>} placeholders and images. */
class ChatImagesMappingTest {

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 1, 2, 3};

    private final ChatMapper mapper = new ChatMapper(() -> "r" + System.nanoTime());

    @Test
    void imagePartsBecomeImagesAndPlaceholdersWhereTheyWere() {
        ObjectNode body = chat(
                message("system", Json.MAPPER.getNodeFactory().textNode("Look closely.")),
                message("user", parts(text("Compare"), image(dataUrl("image/png", PNG), "high"), text("with"),
                        image("https://example.com/b.jpg", null))),
                message("user", parts(image("file:///srv/images/c.png", "low"), text("and this one?"))));
        body.put("n", 2);

        ChatPlan plan = mapper.map(body);

        PromptRequest first = plan.choices().get(0);
        assertThat(first.getMessages()).containsExactly(new ChatMessage("system", "Look closely."),
                new ChatMessage("user", "Compare\n<image>\nwith\n<image>"),
                new ChatMessage("user", "<image>\nand this one?"));
        List<ImageInput> images = first.getImages();
        assertThat(images).hasSize(3);
        assertThat(bytes(images.get(0).getData())).isEqualTo(PNG);
        assertThat(images.get(0).getMimeType()).isEqualTo("image/png");
        assertThat(images.get(0).getUri()).isNull();
        assertThat(images.get(1).getUri()).isEqualTo("https://example.com/b.jpg");
        assertThat(images.get(1).getData()).isNull();
        assertThat(images.get(2).getUri()).isEqualTo("file:///srv/images/c.png");
        PromptRequest second = plan.choices().get(1);
        assertThat(second.getImages()).as("every choice carries the images").hasSize(3);
        assertThat(second.getImages().get(0).getData()).as("its own buffer").isNotSameAs(images.get(0).getData());
        assertThat(bytes(second.getImages().get(0).getData())).isEqualTo(PNG);
    }

    @Test
    void textOnlyPartsAreJoinedWithNewlinesAndCarryNoImages() {
        PromptRequest request = mapper.map(chat(message("user", parts(text("Hi"), text("there"))))).choices().get(0);

        assertThat(request.getMessages()).containsExactly(new ChatMessage("user", "Hi\nthere"));
        assertThat(request.getImages()).isNull();
    }

    @Test
    void dataUrlsAreDecodedWithTheirMediaType() {
        DataUrl url = DataUrl.parse("DATA:Image/JPEG;base64," + Base64.getMimeEncoder().encodeToString(new byte[100]),
                "p");

        assertThat(url.mimeType()).isEqualTo("image/jpeg");
        assertThat(url.bytes()).hasSize(100);
    }

    @Test
    void malformedDataUrlsAreRefusedNamingThePart() {
        assertRefused(dataUrlPart("data:image/png;base64"), "messages[0].content[0].image_url.url",
                "data:image/png;base64,<base64 data>");
        assertRefused(dataUrlPart("data:image/png,%89PNG"), "messages[0].content[0].image_url.url",
                "must be base64-encoded");
        assertRefused(dataUrlPart("data:text/plain;base64,aGk="), "messages[0].content[0].image_url.url",
                "'text/plain' is not an image type");
        assertRefused(dataUrlPart("data:image/png;base64,not*base64"), "messages[0].content[0].image_url.url",
                "not valid base64");
        assertRefused(dataUrlPart("data:image/png;base64,"), "messages[0].content[0].image_url.url",
                "holds no image bytes");
    }

    @Test
    void unsupportedPartsAndUrlsAreRefused() {
        assertRefused(parts(text("Hi"), Json.object().put("type", "input_audio")), "messages[0].content[1].type",
                "'input_audio' is not supported");
        assertRefused(parts(Json.object().put("type", "image_url").put("image_url", "https://x/y.png")),
                "messages[0].content[0].image_url", "needs \"image_url\": {\"url\": ...}");
        assertRefused(dataUrlPart("ftp://example.com/a.png"), "messages[0].content[0].image_url.url",
                "https://, http:// or file://");
        assertRefused(parts(Json.object().put("type", "text").put("text", 3)), "messages[0].content[0].text",
                "needs \"text\"");
        assertRefused(parts(text("What is <image> here?"), image(dataUrl("image/png", PNG), null)), "messages",
                "leave it out of the text parts");
    }

    @Test
    void inlineImagesOverTheContractsLimitAreRefused() {
        byte[] half = new byte[ImageLimits.MAX_INLINE_BYTES / 2 + 1];
        assertRefused(parts(image(dataUrl("image/png", half), null), image(dataUrl("image/png", half), null)),
                "messages[0].content[1].image_url.url", "more than " + ImageLimits.MAX_INLINE_BYTES);

        ArrayNode many = parts();
        for (int i = 0; i <= ImageLimits.MAX_IMAGES; i++) {
            many.add(image("https://example.com/" + i + ".png", null));
        }
        assertRefused(many, "messages[0].content[" + ImageLimits.MAX_IMAGES + "].image_url.url",
                "at most " + ImageLimits.MAX_IMAGES + " images");
    }

    @Test
    void aLiteralPlaceholderWithoutImagesIsPlainText() {
        PromptRequest request = mapper.map(chat(message("user", parts(text("What does <image> mean in HTML?")))))
                .choices().get(0);

        assertThat(request.getMessages().get(0).getContent()).isEqualTo("What does <image> mean in HTML?");
        assertThat(request.getImages()).isNull();
    }

    @Test
    void theErrorBodyNamesTheParam() {
        ApiError error = ApiError.invalid("messages[0].content[0].image_url.url", "bad");

        assertThat(error.status()).isEqualTo(400);
        assertThat(error.toJson().path("error").path("param").asText())
                .isEqualTo("messages[0].content[0].image_url.url");
        assertThat(ApiError.invalid("x").toJson().path("error").path("param").isNull()).isTrue();
    }

    private void assertRefused(ArrayNode content, String param, String message) {
        assertThatThrownBy(() -> mapper.map(chat(message("user", content)))).isInstanceOfSatisfying(ApiError.class,
                e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.getMessage()).contains(message);
                });
    }

    private static ArrayNode dataUrlPart(String url) {
        return parts(image(url, null));
    }

    static String dataUrl(String mime, byte[] bytes) {
        return "data:" + mime + ";base64," + Base64.getEncoder().encodeToString(bytes);
    }

    private static ObjectNode chat(ObjectNode... messages) {
        ObjectNode body = Json.object().put("model", "tiny-internvl");
        ArrayNode list = body.putArray("messages");
        for (ObjectNode m : messages) {
            list.add(m);
        }
        return body;
    }

    private static ObjectNode message(String role, com.fasterxml.jackson.databind.JsonNode content) {
        ObjectNode m = Json.object().put("role", role);
        m.set("content", content);
        return m;
    }

    private static ArrayNode parts(ObjectNode... parts) {
        ArrayNode out = Json.array();
        for (ObjectNode p : parts) {
            out.add(p);
        }
        return out;
    }

    private static ObjectNode text(String text) {
        return Json.object().put("type", "text").put("text", text);
    }

    private static ObjectNode image(String url, String detail) {
        ObjectNode part = Json.object().put("type", "image_url");
        ObjectNode imageUrl = part.putObject("image_url").put("url", url);
        if (detail != null) {
            imageUrl.put("detail", detail);
        }
        return part;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
