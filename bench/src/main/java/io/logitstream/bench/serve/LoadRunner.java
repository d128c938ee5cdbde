package io.logitstream.bench.serve;

import io.logitstream.bench.CpuMonitor;
import io.logitstream.bench.Fmt;
import io.logitstream.schema.PromptRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Drives the workloads of {@code bench serve} against any {@link ServeTarget}: N requests at once,
 * and the mixed load (long generations with a steady stream of short SCOREs). Waits for a quiet
 * machine before each run and records how much CPU other processes took during it.
 */
final class LoadRunner {
    /** Wait before a run until other processes use at most this share of the CPUs. */
    static final double QUIET_SHARE = 0.25;
    /** The SCOREs under load start this long after the long generations were sent (all of them running by then). */
    static final long SCORE_DELAY_MS = 1000;

    private final String runTag;
    private final Duration timeout;
    private final CpuMonitor monitor;
    private final double waitQuiet;
    private final PrintStream log;
    private int sequence;

    /** The SCOREs of the mixed load, idle and while the long generations run. */
    record Mixed(ServeMetrics generations, ServeMetrics idleScores, ServeMetrics loadedScores, int scoresSent) {
    }

    LoadRunner(String runTag, Duration timeout, CpuMonitor monitor, double waitQuiet, PrintStream log) {
        this.runTag = runTag;
        this.timeout = timeout;
        this.monitor = monitor;
        this.waitQuiet = waitQuiet;
        this.log = log;
    }

    /** A few untimed requests (GENERATE and SCORE); fails with the reason if the target cannot serve them. */
    void warmup(ServeTarget target, List<int[]> prompts, int newTokens) throws InterruptedException {
        List<RequestTrace> traces = submit(target, "warmup", prompts,
                (id, p) -> ServeWorkloads.generateRequest(id, target.modelName(), p, newTokens));
        traces.addAll(submit(target, "warmup-score", prompts,
                (id, p) -> ServeWorkloads.scoreRequest(id, target.modelName(), p)));
        await(target, traces);
        for (RequestTrace t : traces) {
            if (!t.ok()) {
                throw new IllegalStateException(target.label() + " failed its warm-up: " + t.problem());
            }
        }
    }

    /** All prompts as concurrent GENERATEs, sent at once. */
    ServeMetrics concurrent(ServeTarget target, List<int[]> prompts, int newTokens) throws InterruptedException {
        monitor.waitForQuiet(QUIET_SHARE, waitQuiet);
        CpuMonitor.Sample a = monitor.sample();
        List<RequestTrace> traces = submit(target, "gen" + prompts.size(), prompts,
                (id, p) -> ServeWorkloads.generateRequest(id, target.modelName(), p, newTokens));
        await(target, traces);
        ServeMetrics m = ServeMetrics.of(target.label(), traces, prompts.size(), CpuMonitor.foreignShare(a,
                monitor.sample()));
        log.printf("    %-28s %6.1f new tok/s, %5.2f req/s, TTFT p50 %s s%s%n", target.label(), m.tokensPerSecond(),
                m.requestsPerSecond(), Fmt.sec(ServeMetrics.p50(m.ttft())),
                m.problems().isEmpty() ? "" : ", " + m.problems().size() + " failed: " + m.problems().get(0));
        return m;
    }

    /**
     * The SCOREs alone, one every {@code intervalMs} (their idle latency); then the long generations
     * with the same SCOREs, the first {@link #SCORE_DELAY_MS} after the generations were sent. A SCORE counts
     * as under load when it was sent before the last generation finished.
     */
    Mixed mixed(ServeTarget target, List<int[]> longPrompts, int longTokens, List<int[]> scores, long intervalMs)
            throws InterruptedException {
        monitor.waitForQuiet(QUIET_SHARE, waitQuiet);
        CpuMonitor.Sample a = monitor.sample();
        List<RequestTrace> idle = paced(target, "idle-score", scores, intervalMs);
        await(target, idle);
        ServeMetrics idleScores = ServeMetrics.of(target.label(), idle, scores.size(), CpuMonitor.foreignShare(a,
                monitor.sample()));

        monitor.waitForQuiet(QUIET_SHARE, waitQuiet);
        CpuMonitor.Sample b = monitor.sample();
        List<RequestTrace> gens = submit(target, "long", longPrompts,
                (id, p) -> ServeWorkloads.generateRequest(id, target.modelName(), p, longTokens));
        Thread.sleep(SCORE_DELAY_MS);
        List<RequestTrace> loaded = paced(target, "loaded-score", scores, intervalMs);
        await(target, gens);
        await(target, loaded);
        double foreign = CpuMonitor.foreignShare(b, monitor.sample());
        long lastGeneration = gens.stream().filter(RequestTrace::isDone).mapToLong(RequestTrace::doneNanos).max()
                .orElse(Long.MAX_VALUE);
        List<RequestTrace> during = loaded.stream().filter(t -> t.sentNanos() < lastGeneration).toList();
        Mixed m = new Mixed(ServeMetrics.of(target.label(), gens, longPrompts.size(), foreign), idleScores,
                ServeMetrics.of(target.label(), during, scores.size(), foreign), loaded.size());
        log.printf("    %-28s SCORE p50 idle %s s, under load %s s (%d of %d sent during the generations);"
                + " generations %.1f new tok/s%n", target.label(), Fmt.sec(
                        ServeMetrics.p50(idleScores.latency())), Fmt.sec(ServeMetrics.p50(
                        m.loadedScores().latency())), during.size(), loaded.size(), m.generations().tokensPerSecond());
        return m;
    }

    private List<RequestTrace> submit(ServeTarget target, String workload, List<int[]> prompts,
            BiFunction<String, int[], PromptRequest> request) {
        List<RequestTrace> traces = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            traces.add(send(target, workload, i, prompts.get(i), request));
        }
        return traces;
    }

    /** SCOREs at a fixed rate (the schedule does not drift with the time a send takes). */
    private List<RequestTrace> paced(ServeTarget target, String workload, List<int[]> prompts, long intervalMs)
            throws InterruptedException {
        List<RequestTrace> traces = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < prompts.size(); i++) {
            long wait = start + i * intervalMs * 1_000_000L - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
            }
            traces.add(send(target, workload, i, prompts.get(i),
                    (id, p) -> ServeWorkloads.scoreRequest(id, target.modelName(), p)));
        }
        return traces;
    }

    private RequestTrace send(ServeTarget target, String workload, int index, int[] prompt,
            BiFunction<String, int[], PromptRequest> request) {
        String id = runTag + "-" + target.modelName() + "-" + workload + "-" + (sequence++);
        RequestTrace trace = new RequestTrace(id, index);
        target.submit(request.apply(id, prompt), trace);
        return trace;
    }

    /** Waits for every trace until the timeout; stops early when the target says it cannot answer any more. */
    private void await(ServeTarget target, List<RequestTrace> traces) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (RequestTrace t : traces) {
            while (!t.await(Math.min(deadline, System.nanoTime() + 1_000_000_000L))) {
                String failure = target.failure();
                if (failure != null || System.nanoTime() >= deadline) {
                    String why = failure != null ? failure : "no answer within " + timeout.toSeconds() + " s";
                    traces.forEach(x -> x.fail(why));
                    log.println("    " + target.label() + ": " + why);
                    return;
                }
            }
        }
    }
}
