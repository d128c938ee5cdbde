package io.logitstream.topology.route;

import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;

/** What the topology decided about one input record. Each kind goes to its own topic. */
public sealed interface Inspection {

    /** A valid request for a served model: route it to the model's request topic. */
    record Accepted(PromptRequest request) implements Inspection {
    }

    /** Undecodable or invalid: publish to the dead-letter topic with the original bytes. */
    record Rejected(DeadLetter deadLetter) implements Inspection {
    }

    /** Valid but nobody can serve it (unknown model): answer the requester with an error result. */
    record Unservable(ScoringResult result) implements Inspection {
    }
}
