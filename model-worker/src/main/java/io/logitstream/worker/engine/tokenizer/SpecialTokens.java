package io.logitstream.worker.engine.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Special-token strings from {@code tokenizer_config.json}. Each may be written as a plain
 * string or as an AddedToken object ({@code {"content": "<s>", ...}}); both mean the content.
 */
public record SpecialTokens(String bos, String eos, String unk, String pad) {

    public static SpecialTokens from(JsonNode tokenizerConfig) {
        return new SpecialTokens(
                content(tokenizerConfig, "bos_token"),
                content(tokenizerConfig, "eos_token"),
                content(tokenizerConfig, "unk_token"),
                content(tokenizerConfig, "pad_token"));
    }

    static String content(JsonNode config, String field) {
        JsonNode v = config == null ? null : config.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isObject()) {
            JsonNode c = v.get("content");
            return c == null || c.isNull() ? null : c.asText();
        }
        return v.asText();
    }
}
