package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code POST /v1/completions} to PromptRequests. {@code max_tokens} 0 is a SCORE of the prompt
 * (vLLM's prompt logprobs: lm-evaluation-harness' loglikelihood with {@code echo}); a positive
 * {@code max_tokens} is a GENERATE. With {@code echo} and {@code logprobs} (what lm-eval's
 * local-completions sends: max_tokens 1, echo, logprobs 1) the prompt is scored as well, since a
 * GENERATE reports the logprobs of new tokens only; so it is with {@code echo} of a token-id
 * prompt, whose text comes from the score's token strings.
 */
public final class CompletionMapper {

    /** OpenAI's default for the legacy completions endpoint. */
    static final int DEFAULT_MAX_TOKENS = 16;
    static final int MAX_N = 128;

    private final Supplier<String> requestIds;

    public CompletionMapper(Supplier<String> requestIds) {
        this.requestIds = requestIds;
    }

    public CompletionPlan map(JsonNode body) {
        String model = Json.requiredString(body, "model");
        List<Prompt> prompts = Prompt.parse(body);
        int maxTokens = orDefault(Json.optionalInt(body, "max_tokens", 0), DEFAULT_MAX_TOKENS);
        Integer logprobs = Json.optionalInt(body, "logprobs", 0);
        boolean echo = Json.optionalBoolean(body, "echo", false);
        int n = choices(body);
        boolean stream = Json.optionalBoolean(body, "stream", false);
        refuseUnsupported(body, n, maxTokens, echo, stream, prompts.size());
        SamplingOptions sampling = SamplingOptions.parse(body);
        RequestTags tags = RequestTags.parse(body);

        List<CompletionPlan.PromptCalls> calls = new ArrayList<>();
        for (Prompt prompt : prompts) {
            boolean scorePrompt = maxTokens == 0 || (echo && (logprobs != null || !prompt.isText()));
            PromptRequest score = scorePrompt ? base(model, prompt, tags, Task.SCORE).setTopLogprobs(logprobs).build()
                    : null;
            List<PromptRequest> generations = new ArrayList<>();
            for (int i = 0; maxTokens > 0 && i < n; i++) {
                generations.add(base(model, prompt, tags, Task.GENERATE).setTopLogprobs(logprobs)
                        .setGeneration(sampling.toParams(maxTokens, stream, i)).build());
            }
            calls.add(new CompletionPlan.PromptCalls(prompt, score, generations));
        }
        return new CompletionPlan(model, calls, n, logprobs, echo, stream, StreamOptions.includeUsage(body));
    }

    /** OpenAI's {@code n}: choices per prompt, 1 to {@link #MAX_N}. */
    static int choices(JsonNode body) {
        int n = orDefault(Json.optionalInt(body, "n", 1), 1);
        if (n > MAX_N) {
            throw ApiError.invalid("'n' must be at most " + MAX_N);
        }
        return n;
    }

    private static void refuseUnsupported(JsonNode body, int n, int maxTokens, boolean echo, boolean stream,
            int prompts) {
        Integer bestOf = Json.optionalInt(body, "best_of", 1);
        if (bestOf != null && bestOf != n && bestOf != 1) {
            throw ApiError.invalid("'best_of' is not supported (use n, or num_beams through the Kafka contract)");
        }
        if (Json.present(body, "suffix")) {
            throw ApiError.invalid("'suffix' is not supported");
        }
        if (stream && (echo || maxTokens == 0 || prompts > 1)) {
            throw ApiError.invalid("'stream' takes one prompt with max_tokens > 0 and no echo; send the others"
                    + " without stream");
        }
    }

    private PromptRequest.Builder base(String model, Prompt prompt, RequestTags tags, Task task) {
        PromptRequest.Builder request = PromptRequest.newBuilder().setRequestId(requestIds.get()).setModel(model)
                .setTask(task);
        prompt.applyTo(request);
        tags.applyTo(request);
        return request;
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }
}
