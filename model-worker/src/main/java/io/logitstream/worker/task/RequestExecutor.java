package io.logitstream.worker.task;

import io.logitstream.schema.ScoringResult;
import java.util.function.Consumer;

/**
 * Where the Kafka side meets the serving core: requests go in one at a time, as soon as they are
 * polled, and each comes back as one final result when it is done, in whatever order requests
 * finish. The Kafka side never touches tensors; the serving core never touches Kafka.
 *
 * <p>Threading: {@link #submit} and {@link Ticket#cancel} may be called from any thread and never
 * block on computation. {@code onResult} runs on the serving thread: it must only hand the result
 * over (for example to a queue the poll loop drains), never block.
 *
 * <p>A request that cannot be served still gets a result (status ERROR); only {@link Ticket#cancel}
 * or {@link #close} end a request without one.
 */
public interface RequestExecutor extends AutoCloseable {

    /**
     * Admits a request. Its token chunks (GENERATE with streaming) go to {@code tokens} as they are
     * produced; its final result goes to {@code onResult}, exactly once unless cancelled first.
     */
    Ticket submit(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult);

    /** Requests admitted and not yet answered or cancelled. */
    int pending();

    /** Name of the served model, as requests address it. */
    String modelName();

    /** Stops serving; requests still pending are dropped without a result. */
    @Override
    void close();

    /** A handle on one submitted request. */
    interface Ticket {
        /**
         * Drops the request (for example when its partition moved to another worker): it stops
         * computing at the next step and its result is never delivered. No effect once delivered.
         */
        void cancel();
    }
}
