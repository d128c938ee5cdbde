package io.logitstream.worker.task;

import io.logitstream.schema.ScoringResult;
import java.util.List;

/**
 * Where the Kafka runner meets the engine: a batch of decoded requests in, one final result per
 * request out, in the same order. A request that cannot be served gets a result with status ERROR;
 * only a failure of the worker itself (not of a request) may throw.
 */
public interface RequestHandler {

    List<ScoringResult> handle(List<WorkItem> batch, TokenSink tokens);

    /** Name of the served model, as requests address it. */
    String modelName();
}
