package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.ScoringResult;

/**
 * The fields every answer object starts with: id, object, created (epoch seconds), model, and
 * {@code system_fingerprint}, which carries the model's fingerprint (sha256 of its config,
 * weights and tokenizer), so a log of answers says which checkpoint gave them.
 */
record Envelope(String id, long created, String model) {

    ObjectNode start(String object, ScoringResult any) {
        ObjectNode out = Json.object();
        out.put("id", id);
        out.put("object", object);
        out.put("created", created);
        out.put("model", model);
        if (any != null && any.getProvenance() != null) {
            out.put("system_fingerprint", any.getProvenance().getModelFingerprint());
        }
        return out;
    }

    /** The worker's finish reasons as OpenAI's: eos and stop strings are both {@code stop}. */
    static String finishReason(String workerReason) {
        return "eos".equals(workerReason) ? "stop" : workerReason;
    }
}
