package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.schema.PromptRequest;

/**
 * LogitStream's own optional body fields, beyond OpenAI's: {@code run_id} (groups an evaluation
 * run), {@code session_id} and {@code prefix_key} (prefix reuse: route to the worker whose cache
 * holds the conversation or the shared prefix). OpenAI clients pass them as extra body fields
 * ({@code extra_body} in the openai SDK).
 */
record RequestTags(String runId, String sessionId, String prefixKey) {

    static RequestTags parse(JsonNode body) {
        return new RequestTags(Json.optionalString(body, "run_id"), Json.optionalString(body, "session_id"),
                Json.optionalString(body, "prefix_key"));
    }

    void applyTo(PromptRequest.Builder request) {
        request.setRunId(runId).setSessionId(sessionId).setPrefixKey(prefixKey);
    }
}
