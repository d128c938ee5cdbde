package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.ScoringResult;

/** OpenAI's {@code usage}, from the results' usage (or, from older workers, input_ids and generation). */
record Usage(int promptTokens, int completionTokens, int cachedTokens) {

    static final Usage NONE = new Usage(0, 0, 0);

    /** The prompt side of a result: its input tokens and how many of them came from a cache. */
    static Usage ofPrompt(ScoringResult result) {
        if (result.getUsage() != null) {
            return new Usage(result.getUsage().getPromptTokens(), 0, result.getUsage().getCachedTokens());
        }
        return new Usage(result.getInputIds().size(), 0, 0);
    }

    /** The completion side of a GENERATE result. */
    static Usage ofCompletion(ScoringResult result) {
        return new Usage(0, result.getGeneration() == null ? 0 : result.getGeneration().getCompletionTokens(), 0);
    }

    Usage plus(Usage other) {
        return new Usage(promptTokens + other.promptTokens, completionTokens + other.completionTokens,
                cachedTokens + other.cachedTokens);
    }

    ObjectNode toJson() {
        ObjectNode usage = Json.object();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        return usage;
    }
}
