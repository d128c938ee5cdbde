package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.ImageInput;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI's chat {@code messages} as the contract's {@code messages} and {@code images}. A message's
 * {@code content} is a string or a list of parts: {@code {"type": "text", "text": ...}} and
 * {@code {"type": "image_url", "image_url": {"url": ...}}}. The parts are joined with newlines, as
 * vLLM joins text parts, and each image part stands in the text as the contract's {@value #PLACEHOLDER}
 * placeholder where it was, so the worker's InternVL prompt puts the image's tokens there (image
 * first and then the question gives InternVL's own {@code <image>\nquestion}).
 */
final class ChatInput {

    /** Where an image goes in the text: PromptRequest.images' placeholder, which the worker expands. */
    static final String PLACEHOLDER = "<image>";

    private final List<ChatMessage> messages;
    private final ChatImages images;

    private ChatInput(List<ChatMessage> messages, ChatImages images) {
        this.messages = messages;
        this.images = images;
    }

    List<ChatMessage> messages() {
        return messages;
    }

    /** The images for one request, in order; null for a text-only chat. */
    List<ImageInput> images() {
        return images.inputs();
    }

    static ChatInput parse(JsonNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("'messages' must be a non-empty list of {role, content}");
        }
        ChatImages images = new ChatImages();
        List<ChatMessage> out = new ArrayList<>();
        int placeholders = 0;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            if (!message.isObject()) {
                throw ApiError.invalid("each message must be an object with 'role' and 'content'");
            }
            String role = Json.requiredString(message, "role");
            int before = images.count();
            String text = content(message.get("content"), "messages[" + i + "].content", images);
            placeholders += occurrences(text) - (images.count() - before);
            out.add(new ChatMessage(role, text));
        }
        if (images.count() > 0 && placeholders > 0) {
            // The worker pairs placeholders with images in order: one typed by the user would take an image's place.
            throw ApiError.invalid("messages", "the text contains '" + PLACEHOLDER + "', which marks where an"
                    + " image goes; with image_url parts, leave it out of the text parts");
        }
        return new ChatInput(out, images);
    }

    private static String content(JsonNode content, String param, ChatImages images) {
        if (content == null || content.isNull()) {
            throw ApiError.invalid("each message needs a 'content' (tool calls are not supported)");
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw ApiError.invalid(param, "'content' must be a string or a list of text and image_url parts");
        }
        List<String> parts = new ArrayList<>();
        for (int p = 0; p < content.size(); p++) {
            JsonNode part = content.get(p);
            String at = param + "[" + p + "]";
            String type = part.path("type").asText();
            if ("text".equals(type) && part.path("text").isTextual()) {
                parts.add(part.get("text").asText());
            } else if ("image_url".equals(type)) {
                images.add(part, at);
                parts.add(PLACEHOLDER);
            } else if ("text".equals(type)) {
                throw ApiError.invalid(at + ".text", "a text part needs \"text\": a string");
            } else {
                throw ApiError.invalid(at + ".type", "content part type '" + type + "' is not supported;"
                        + " parts are {\"type\": \"text\", \"text\": ...} and {\"type\": \"image_url\","
                        + " \"image_url\": {\"url\": ...}}");
            }
        }
        return String.join("\n", parts);
    }

    private static int occurrences(String text) {
        int n = 0;
        for (int i = text.indexOf(PLACEHOLDER); i >= 0; i = text.indexOf(PLACEHOLDER, i + PLACEHOLDER.length())) {
            n++;
        }
        return n;
    }
}
