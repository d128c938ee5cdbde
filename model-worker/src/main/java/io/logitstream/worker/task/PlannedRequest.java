package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ScoringResult;
import io.logitstream.worker.engine.batch.BatchWork;
import io.logitstream.worker.engine.batch.ContinuousBatcher;
import java.util.Map;

/**
 * A request on its way through the running batch: its engine work, or, when it could not even be
 * planned (unknown model, too long, invalid input), its error result already.
 */
public final class PlannedRequest {
    private final WorkItem item;
    private final TaskWork task;
    private final ScoringResult.Builder result;
    private final Map<String, String> parameters;
    private final ScoringResult rejected;
    private final Finisher finisher;
    private long startedAtMs;

    /** Builds final results: the router's provenance, timings and error mapping. */
    interface Finisher {
        ScoringResult ok(ScoringResult.Builder result, WorkItem item, Map<String, String> parameters, long startedAtMs);

        ScoringResult failed(WorkItem item, RuntimeException e, Map<String, String> parameters, long startedAtMs);
    }

    PlannedRequest(WorkItem item, TaskWork task, ScoringResult.Builder result, Map<String, String> parameters,
            Finisher finisher) {
        this.item = item;
        this.task = task;
        this.result = result;
        this.parameters = parameters;
        this.finisher = finisher;
        this.rejected = null;
        this.startedAtMs = System.currentTimeMillis();
    }

    PlannedRequest(WorkItem item, ScoringResult rejected) {
        this.item = item;
        this.task = null;
        this.result = null;
        this.parameters = null;
        this.finisher = null;
        this.rejected = rejected;
    }

    public WorkItem item() {
        return item;
    }

    /** The engine work, or null when the request was answered at planning. */
    public BatchWork work() {
        return task == null ? null : task.work();
    }

    /** The error result of a request that was answered at planning, else null. */
    public ScoringResult rejected() {
        return rejected;
    }

    /**
     * Queues the work in {@code batcher}; returns null, or the UNSUPPORTED result when the work has
     * more sequences than the running batch holds (num_beams over max-running-sequences).
     */
    public ScoringResult enqueue(ContinuousBatcher batcher) {
        try {
            batcher.add(task.work(), item.request().getSessionId());
            return null;
        } catch (IllegalArgumentException e) {
            return failed(new TaskException(ErrorCodes.UNSUPPORTED, e.getMessage()));
        }
    }

    /** Marks when the request entered the running batch (its queue time ends here). */
    public void started() {
        startedAtMs = System.currentTimeMillis();
    }

    /** The final result once the work is done. */
    public ScoringResult complete() {
        try {
            task.complete().accept(result);
            result.setUsage(RequestUsage.of(task.work(), result));
            return finisher.ok(result, item, parameters, startedAtMs);
        } catch (RuntimeException e) {
            return failed(e);
        }
    }

    /** The error result when the engine failed on this request's work. */
    public ScoringResult failed(RuntimeException e) {
        return finisher.failed(item, e, parameters, startedAtMs);
    }
}
