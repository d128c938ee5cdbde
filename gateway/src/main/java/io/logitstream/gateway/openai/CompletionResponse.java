package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The {@code text_completion} answer to a {@link CompletionPlan}, from its OK results. */
public final class CompletionResponse {

    private CompletionResponse() {
    }

    /**
     * @param results every request of the plan by request_id, all OK
     */
    public static ObjectNode build(CompletionPlan plan, Map<String, ScoringResult> results, String id, long created) {
        List<ScoringResult> all = plan.requests().stream().map(r -> results.get(r.getRequestId())).toList();
        ObjectNode out = new Envelope(id, created, plan.model()).start("text_completion", all.get(0));
        ArrayNode choices = out.putArray("choices");
        Usage usage = Usage.NONE;
        int index = 0;
        for (CompletionPlan.PromptCalls calls : plan.prompts()) {
            ScoringResult score = calls.score() == null ? null : results.get(calls.score().getRequestId());
            List<ScoringResult> generations = calls.generations().stream()
                    .map(r -> results.get(r.getRequestId())).toList();
            usage = usage.plus(Usage.ofPrompt(score != null ? score : generations.get(0)));
            for (int i = 0; i < plan.n(); i++) {
                ScoringResult generation = generations.isEmpty() ? null : generations.get(i);
                if (generation != null) {
                    usage = usage.plus(Usage.ofCompletion(generation));
                }
                choices.add(choice(plan, calls.prompt(), score, generation, index++));
            }
        }
        out.set("usage", usage.toJson());
        return out;
    }

    private static ObjectNode choice(CompletionPlan plan, Prompt prompt, ScoringResult score, ScoringResult generation,
            int index) {
        ObjectNode choice = Json.object();
        choice.put("index", index);
        String text = plan.echo() ? promptText(prompt, score) : "";
        choice.put("text", generation == null ? text : text + generation.getGeneration().getText());
        if (plan.logprobs() == null) {
            choice.putNull("logprobs");
        } else {
            TokenLabels labels = new TokenLabels();
            List<TokenPosition> positions = new ArrayList<>();
            if (plan.echo() && score != null) {
                positions.addAll(LogprobPositions.ofPrompt(score, labels));
            }
            if (generation != null) {
                positions.addAll(LogprobPositions.ofGeneration(generation, labels));
            }
            choice.set("logprobs", LogprobsJson.completion(positions, labels));
        }
        choice.put("finish_reason", generation == null ? "length"
                : Envelope.finishReason(generation.getGeneration().getFinishReason()));
        return choice;
    }

    /**
     * The prompt as text: as sent, or for token ids the worker's token strings joined (empty when
     * the result has none: a worker without a tokenizer).
     */
    static String promptText(Prompt prompt, ScoringResult score) {
        if (prompt.isText()) {
            return prompt.text();
        }
        if (score == null || score.getScore().getTokens() == null) {
            return "";
        }
        return String.join("", score.getScore().getTokens());
    }

    /** The request ids a plan waits for, in order. */
    public static List<String> requestIds(CompletionPlan plan) {
        return plan.requests().stream().map(PromptRequest::getRequestId).toList();
    }
}
