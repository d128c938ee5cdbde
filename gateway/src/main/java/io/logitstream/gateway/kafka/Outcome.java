package io.logitstream.gateway.kafka;

import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ScoringResult;

/** How a request ended: a result (OK or ERROR) on the results topic, or a dead letter. */
public sealed interface Outcome {

    record Answered(ScoringResult result) implements Outcome {
    }

    record DeadLettered(DeadLetter letter) implements Outcome {
    }
}
