package io.logitstream.bench.serve;

import io.logitstream.schema.PromptRequest;

/**
 * One way of serving requests that {@code bench serve} measures: the Kafka path (topology and a
 * worker process) or the executor alone in this JVM. The measurement never depends on which.
 */
public interface ServeTarget {

    /** Short name in the report ("kafka", "engine alone"). */
    String label();

    /** Name of the served model, as requests address it. */
    String modelName();

    /**
     * Hands a request over, calling {@link RequestTrace#markSent()} right before it leaves; the
     * target reports its token chunks and its final result to the trace.
     */
    void submit(PromptRequest request, RequestTrace trace);

    /** Null while the target can still answer; otherwise why not (its worker process exited, say). */
    default String failure() {
        return null;
    }
}
