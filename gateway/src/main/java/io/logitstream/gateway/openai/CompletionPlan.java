package io.logitstream.gateway.openai;

import io.logitstream.schema.PromptRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@code /v1/completions} request becomes: per prompt, an optional SCORE of the prompt
 * (for {@code echo} with logprobs, and for {@code max_tokens} 0) and n GENERATE requests; and how
 * the answer is assembled.
 *
 * @param logprobs OpenAI's {@code logprobs}: alternatives per position, null for no logprobs
 */
public record CompletionPlan(String model, List<PromptCalls> prompts, int n, Integer logprobs, boolean echo,
        boolean stream, boolean includeUsage) {

    /**
     * The requests of one prompt. Choice i of this prompt is {@code generations.get(i)}, or, when
     * there are none ({@code max_tokens} 0), the score alone.
     */
    public record PromptCalls(Prompt prompt, PromptRequest score, List<PromptRequest> generations) {
    }

    /** Every request to send, scores first. */
    public List<PromptRequest> requests() {
        List<PromptRequest> all = new ArrayList<>();
        for (PromptCalls calls : prompts) {
            if (calls.score() != null) {
                all.add(calls.score());
            }
            all.addAll(calls.generations());
        }
        return all;
    }
}
