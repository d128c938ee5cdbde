package io.logitstream.worker.task;

import io.logitstream.schema.ScoringResult;
import io.logitstream.worker.engine.batch.BatchWork;
import java.util.function.Consumer;

/**
 * A request planned for the running batch: the engine work, and how to write the task's output
 * into the result (request fields, input ids and provenance are the router's job) once the work
 * is done.
 */
public record TaskWork(BatchWork work, Consumer<ScoringResult.Builder> complete) {
}
