package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code POST /v1/chat/completions} to GENERATE requests with chat {@code messages}, which the
 * worker renders with the model's chat template (the assistant prefix appended), and the images of
 * their {@code image_url} parts ({@link ChatInput}).
 */
public final class ChatMapper {

    /** Fields that ask for what the workers do not do; refused rather than silently ignored. */
    private static final List<String> UNSUPPORTED = List.of("tools", "functions", "tool_choice", "function_call",
            "audio", "prediction");

    private final Supplier<String> requestIds;

    public ChatMapper(Supplier<String> requestIds) {
        this.requestIds = requestIds;
    }

    public ChatPlan map(JsonNode body) {
        String model = Json.requiredString(body, "model");
        ChatInput input = ChatInput.parse(body);
        refuseUnsupported(body);
        Integer maxTokens = Json.optionalInt(body, "max_completion_tokens", 1);
        if (maxTokens == null) {
            maxTokens = Json.optionalInt(body, "max_tokens", 1);
        }
        boolean logprobs = Json.optionalBoolean(body, "logprobs", false);
        Integer topLogprobs = Json.optionalInt(body, "top_logprobs", 0);
        if (topLogprobs != null && !logprobs) {
            throw ApiError.invalid("'top_logprobs' needs 'logprobs': true");
        }
        int n = CompletionMapper.choices(body);
        boolean stream = Json.optionalBoolean(body, "stream", false);
        SamplingOptions sampling = SamplingOptions.parse(body);
        RequestTags tags = RequestTags.parse(body);
        List<PromptRequest> choices = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            PromptRequest.Builder request = PromptRequest.newBuilder().setRequestId(requestIds.get()).setModel(model)
                    .setTask(Task.GENERATE).setMessages(input.messages()).setImages(input.images())
                    .setAddGenerationPrompt(true)
                    .setTopLogprobs(logprobs && topLogprobs != null && topLogprobs > 0 ? topLogprobs : null)
                    .setGeneration(sampling.toParams(maxTokens, stream, i));
            tags.applyTo(request);
            choices.add(request.build());
        }
        return new ChatPlan(model, choices, logprobs, stream, StreamOptions.includeUsage(body));
    }

    private static void refuseUnsupported(JsonNode body) {
        for (String field : UNSUPPORTED) {
            if (Json.present(body, field)) {
                throw ApiError.invalid("'" + field + "' is not supported");
            }
        }
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull() && !"text".equals(format.path("type").asText())) {
            throw ApiError.invalid("'response_format' other than text is not supported");
        }
    }
}
