package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;

/** OpenAI's {@code stream_options}. */
final class StreamOptions {

    private StreamOptions() {
    }

    /** {@code stream_options.include_usage}: a last chunk with the usage and no choices. */
    static boolean includeUsage(JsonNode body) {
        JsonNode options = body.get("stream_options");
        if (options == null || options.isNull()) {
            return false;
        }
        if (!options.isObject()) {
            throw ApiError.invalid("'stream_options' must be an object");
        }
        return Json.optionalBoolean(options, "include_usage", false);
    }
}
