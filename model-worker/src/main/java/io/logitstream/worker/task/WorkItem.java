package io.logitstream.worker.task;

import io.logitstream.schema.PromptRequest;

/**
 * One decoded request with what the worker knows about its arrival.
 *
 * @param enqueuedAtMs timestamp of the record on the request topic
 * @param receivedAtMs when this worker polled it
 */
public record WorkItem(PromptRequest request, long enqueuedAtMs, long receivedAtMs) {
}
