package io.logitstream.worker.metrics;

import io.logitstream.metrics.LatencyBuckets;
import io.logitstream.worker.engine.batch.BatcherStats;
import io.logitstream.worker.engine.batch.PrefixCacheStats;
import io.logitstream.worker.serving.ServingScheduler;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The serving core's meters, read from the scheduler's {@link BatcherStats} snapshot when scraped:
 * queue and running batch sizes, tokens computed (Prometheus' {@code rate()} turns them into
 * tokens/s), KV and prefix cache, and a histogram of step durations.
 */
final class ServingMeters {

    private ServingMeters() {
    }

    static void bind(ServingScheduler scheduler, MeterRegistry registry) {
        gauge(registry, "logitstream.worker.queued.requests", "requests",
                "Requests waiting for the running batch (submitted, not admitted yet)", scheduler, s -> s.queued());
        gauge(registry, "logitstream.worker.running.requests", "requests", "Requests in the running batch",
                scheduler, s -> s.batchStats().runningWorks());
        gauge(registry, "logitstream.worker.running.sequences", "sequences",
                "Sequences in the running batch (CHOICE candidates and beams count one each)", scheduler,
                s -> s.batchStats().runningSequences());
        gauge(registry, "logitstream.worker.kv.cache", "bytes", "Memory of the running batch's KV cache", scheduler,
                s -> s.batchStats().kvBytes());

        FunctionCounter.builder("logitstream.worker.computed.tokens", scheduler, s -> s.batchStats().prefillTokens())
                .tag("phase", "prefill").baseUnit("tokens")
                .description("Tokens run through the model: prompt tokens (prefill) and generated tokens fed back"
                        + " (decode); cached positions are not computed")
                .register(registry);
        FunctionCounter.builder("logitstream.worker.computed.tokens", scheduler, s -> s.batchStats().decodeTokens())
                .tag("phase", "decode").baseUnit("tokens").register(registry);

        prefixCounter(registry, "lookups", "Admitted sequences that looked for a cached prefix", scheduler,
                PrefixCacheStats::lookups);
        prefixCounter(registry, "hits", "Lookups that found a cached prefix", scheduler, PrefixCacheStats::hits);
        prefixCounter(registry, "reused.tokens", "Positions copied from the prefix cache instead of computed",
                scheduler, PrefixCacheStats::reusedTokens);
        prefixCounter(registry, "evicted.tokens", "Positions evicted from the prefix cache to make room", scheduler,
                PrefixCacheStats::evictedTokens);
        gauge(registry, "logitstream.worker.prefix.cache", "bytes", "Keys and values the prefix cache holds",
                scheduler, s -> s.batchStats().prefixCache().bytes());
        gauge(registry, "logitstream.worker.prefix.cache.budget", "bytes",
                "The prefix cache's budget (logitstream.serving.prefix-cache-mb; 0: off)", scheduler,
                s -> s.batchStats().prefixCache().budgetBytes());

        Timer steps = Timer.builder("logitstream.worker.step.duration")
                .description("One step of the running batch: admission, one forward over every running sequence,"
                        + " logits handed out")
                .serviceLevelObjectives(LatencyBuckets.STEP).register(registry);
        scheduler.onStep(nanos -> steps.record(nanos, TimeUnit.NANOSECONDS));
    }

    private static void gauge(MeterRegistry registry, String name, String unit, String description,
            ServingScheduler scheduler, ToDoubleFunction<ServingScheduler> value) {
        Gauge.builder(name, scheduler, value).baseUnit(unit).description(description).register(registry);
    }

    private static void prefixCounter(MeterRegistry registry, String what, String description,
            ServingScheduler scheduler, ToDoubleFunction<PrefixCacheStats> value) {
        FunctionCounter.builder("logitstream.worker.prefix.cache." + what, scheduler,
                s -> value.applyAsDouble(s.batchStats().prefixCache())).description(description).register(registry);
    }
}
