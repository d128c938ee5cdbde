package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.ScoringResult;
import java.util.List;
import java.util.Map;

/** The {@code chat.completion} answer to a {@link ChatPlan}, from its OK results. */
public final class ChatResponse {

    private ChatResponse() {
    }

    public static ObjectNode build(ChatPlan plan, Map<String, ScoringResult> results, String id, long created) {
        List<ScoringResult> answers = plan.choices().stream().map(r -> results.get(r.getRequestId())).toList();
        ObjectNode out = new Envelope(id, created, plan.model()).start("chat.completion", answers.get(0));
        ArrayNode choices = out.putArray("choices");
        Usage usage = Usage.ofPrompt(answers.get(0));
        for (int i = 0; i < answers.size(); i++) {
            ScoringResult answer = answers.get(i);
            usage = usage.plus(Usage.ofCompletion(answer));
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", answer.getGeneration().getText());
            if (plan.logprobs()) {
                TokenLabels labels = new TokenLabels();
                choice.set("logprobs", LogprobsJson.chat(LogprobPositions.ofGeneration(answer, labels), labels));
            } else {
                choice.putNull("logprobs");
            }
            choice.put("finish_reason", Envelope.finishReason(answer.getGeneration().getFinishReason()));
        }
        out.set("usage", usage.toJson());
        return out;
    }
}
