package io.logitstream.topology.route;

import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;

/** What the topology decided about one input record. Each kind goes to its own topic. */
public sealed interface Inspection {

    /** A new, valid request for a served model: route it to the model's request topic. */
    record Accepted(PromptRequest request) implements Inspection {
    }

    /** Undecodable or invalid: publish to the dead-letter topic with the original bytes. */
    record Rejected(DeadLetter deadLetter) implements Inspection {
    }

    /**
     * Not routed, but answered with an error result on the results topic: a duplicate request_id
     * (DUPLICATE) or a model nobody serves (UNKNOWN_MODEL).
     */
    record Answered(ScoringResult result) implements Inspection {
    }
}
