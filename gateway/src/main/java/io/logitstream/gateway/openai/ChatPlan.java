package io.logitstream.gateway.openai;

import io.logitstream.schema.PromptRequest;
import java.util.List;

/**
 * What one {@code /v1/chat/completions} request becomes: one GENERATE per choice.
 *
 * @param logprobs whether the answer carries the generated tokens' logprobs
 */
public record ChatPlan(String model, List<PromptRequest> choices, boolean logprobs, boolean stream,
        boolean includeUsage) {
}
