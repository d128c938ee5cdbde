package io.logitstream.topology.metrics;

import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ScoringResult;
import io.logitstream.topology.route.Inspection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;

/**
 * Counts what the topology decides about each prompt record: routed to a model's pool, dead-lettered
 * (by stage and error code; an undecodable record has no model), or answered with an error result
 * (DUPLICATE, UNKNOWN_MODEL, by model and code).
 *
 * <p>Counted as records are processed: under exactly-once, a record whose transaction is aborted and
 * processed again counts again, so the counters can run slightly ahead of what was committed.
 */
public final class RoutingOutcomes implements Consumer<Inspection> {

    /** Distinct model names kept as labels; beyond, {@code other}. */
    static final int MAX_MODELS = 64;

    private final MeterRegistry registry;
    private final BoundedLabel models = new BoundedLabel(MAX_MODELS);

    public RoutingOutcomes(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void accept(Inspection inspection) {
        if (inspection instanceof Inspection.Accepted accepted) {
            Counter.builder("logitstream.topology.routed").description("Requests routed to a model's request topic")
                    .tag("model", models.of(accepted.request().getModel())).register(registry).increment();
        } else if (inspection instanceof Inspection.Rejected rejected) {
            DeadLetter letter = rejected.deadLetter();
            Counter.builder("logitstream.topology.dead.letters")
                    .description("Records dead-lettered (undecodable or invalid), by stage and error code")
                    .tag("stage", letter.getStage()).tag("code", letter.getErrorCode()).register(registry).increment();
        } else if (inspection instanceof Inspection.Answered answered) {
            ScoringResult result = answered.result();
            Counter.builder("logitstream.topology.error.results")
                    .description("Requests answered with an error result by the topology itself, by model and code")
                    .tag("model", models.of(result.getModel()))
                    .tag("code", result.getError() == null ? BoundedLabel.NONE : result.getError().getCode())
                    .register(registry).increment();
        }
    }
}
