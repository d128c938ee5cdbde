package io.logitstream.bench.serve;

import io.logitstream.schema.PromptRequest;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.WorkItem;

/** The engine alone: requests go straight into a {@link RequestExecutor} in this JVM, no Kafka. */
final class ExecutorTarget implements ServeTarget {
    private final RequestExecutor executor;

    ExecutorTarget(RequestExecutor executor) {
        this.executor = executor;
    }

    @Override
    public String label() {
        return ServeResults.ENGINE;
    }

    @Override
    public String modelName() {
        return executor.modelName();
    }

    @Override
    public void submit(PromptRequest request, RequestTrace trace) {
        long now = System.currentTimeMillis();
        trace.markSent();
        executor.submit(new WorkItem(request, now, now), chunk -> trace.chunk(chunk.getSeq()), trace::finish);
    }
}
