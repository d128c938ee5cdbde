package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.schema.PromptRequest;
import java.util.ArrayList;
import java.util.List;

/** One prompt of a completions request: text, or token ids used as they are. */
public record Prompt(String text, List<Integer> ids) {

    public static Prompt ofText(String text) {
        return new Prompt(text, null);
    }

    public static Prompt ofIds(List<Integer> ids) {
        return new Prompt(null, List.copyOf(ids));
    }

    public boolean isText() {
        return text != null;
    }

    void applyTo(PromptRequest.Builder request) {
        if (isText()) {
            request.setText(text);
        } else {
            request.setInputIds(ids);
        }
    }

    /**
     * OpenAI's {@code prompt}: a string, a list of strings, a list of token ids, or a list of such
     * lists (lm-evaluation-harness sends batches of token-id lists).
     */
    static List<Prompt> parse(JsonNode body) {
        JsonNode prompt = body.get("prompt");
        if (prompt == null || prompt.isNull()) {
            throw ApiError.invalid("'prompt' is required");
        }
        if (prompt.isTextual()) {
            return List.of(ofText(prompt.asText()));
        }
        if (!prompt.isArray() || prompt.isEmpty()) {
            throw ApiError.invalid("'prompt' must be a string, a list of strings, a list of token ids or a list of"
                    + " lists of token ids, and not empty");
        }
        if (prompt.get(0).isIntegralNumber()) {
            return List.of(ofIds(ids(prompt)));
        }
        List<Prompt> prompts = new ArrayList<>();
        for (JsonNode item : prompt) {
            if (item.isTextual()) {
                prompts.add(ofText(item.asText()));
            } else if (item.isArray() && !item.isEmpty()) {
                prompts.add(ofIds(ids(item)));
            } else {
                throw ApiError.invalid("'prompt' lists must hold strings or non-empty lists of token ids");
            }
        }
        return prompts;
    }

    private static List<Integer> ids(JsonNode array) {
        List<Integer> ids = new ArrayList<>(array.size());
        for (JsonNode id : array) {
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
                throw ApiError.invalid("token ids in 'prompt' must be non-negative integers, got " + id);
            }
            ids.add(id.asInt());
        }
        return ids;
    }
}
