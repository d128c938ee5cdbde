package io.logitstream.worker.metrics;

import io.logitstream.metrics.LatencyBuckets;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Timings;
import io.logitstream.schema.Usage;
import io.logitstream.worker.task.RequestExecutor;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Counts every answer the serving core gives, by task, status and error code, with its queue and
 * compute times (from the result's own timings, so they are what the requester is told) and its
 * token usage. Everything else passes through to the executor it wraps.
 */
final class MeteredExecutor implements RequestExecutor {

    static final String NO_ERROR = "none";

    private final RequestExecutor delegate;
    private final MeterRegistry registry;
    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final Counter cachedTokens;

    MeteredExecutor(RequestExecutor delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        this.promptTokens = tokens("prompt", "Input tokens of answered requests (CHOICE: context + each candidate)");
        this.generatedTokens = tokens("generated", "Tokens generated for answered requests");
        this.cachedTokens = tokens("cached", "Input tokens of answered requests taken from a cache instead of computed");
        Gauge.builder("logitstream.worker.requests.in.flight", delegate, RequestExecutor::pending)
                .description("Requests admitted and not answered yet (queued or running)")
                .register(registry);
    }

    @Override
    public Ticket submit(WorkItem item, TokenSink tokens, Consumer<ScoringResult> onResult) {
        return delegate.submit(item, tokens, result -> {
            record(result);
            onResult.accept(result);
        });
    }

    private void record(ScoringResult result) {
        String task = result.getTask() == null ? "UNKNOWN" : result.getTask().name();
        String code = result.getError() == null ? NO_ERROR : result.getError().getCode();
        Counter.builder("logitstream.worker.requests").description("Requests answered, by task, status and error code")
                .tag("task", task).tag("status", result.getStatus().name()).tag("code", code)
                .register(registry).increment();
        Timings timings = result.getTimings();
        if (timings != null) {
            latency("queue", "From the request's record on its topic to its admission into the running batch", task)
                    .record(timings.getQueueMs(), TimeUnit.MILLISECONDS);
            latency("compute", "From admission to the answer", task).record(timings.getComputeMs(), TimeUnit.MILLISECONDS);
        }
        Usage usage = result.getUsage();
        if (usage != null) {
            promptTokens.increment(usage.getPromptTokens());
            generatedTokens.increment(usage.getCompletionTokens());
            cachedTokens.increment(usage.getCachedTokens());
        }
    }

    private Timer latency(String phase, String description, String task) {
        return Timer.builder("logitstream.worker.request." + phase).description(description).tag("task", task)
                .serviceLevelObjectives(LatencyBuckets.REQUEST).register(registry);
    }

    private Counter tokens(String kind, String description) {
        return Counter.builder("logitstream.worker." + kind + ".tokens").baseUnit("tokens").description(description)
                .register(registry);
    }

    @Override
    public int pending() {
        return delegate.pending();
    }

    @Override
    public String modelName() {
        return delegate.modelName();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
