package io.logitstream.bench.eval;

import io.logitstream.bench.CpuMonitor;
import io.logitstream.bench.Fmt;
import io.logitstream.bench.serve.RequestTrace;
import io.logitstream.bench.serve.ServeTarget;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The chat-session workload of {@code bench eval}: the second turn of a conversation ({@code turnTokens} new
 * tokens after a {@code historyTokens}-token first turn and its answer), a short greedy GENERATE, timed
 * from send to result, one request at a time, three ways, alternating per conversation:
 * <ul>
 *   <li>session: both turns carry the same {@code session_id} (the worker may keep the first turn's cache);</li>
 *   <li>no session: the same two turns without {@code session_id} (only a prefix cache could help);</li>
 *   <li>cold: a second turn whose history was never sent (everything computed: the baseline).</li>
 * </ul>
 * Token ids are random (below 50000, inside both vocabularies), a fresh history for every conversation.
 */
final class SessionBench {
    static final int ID_LIMIT = 50_000;

    record Plan(int conversations, int historyTokens, int turnTokens, int newTokens, long seed) {
    }

    /** Second-turn latencies (s) per mode, the usage of those turns, failures. */
    record Result(Plan plan, List<Double> session, List<Double> noSession, List<Double> cold,
            SideResult.Usage sessionUsage, SideResult.Usage noSessionUsage, SideResult.Usage coldUsage,
            List<String> problems, double foreignShare) {

        /** Median cold second turn / median second turn with the session (the target: >= 5). */
        double speedup() {
            return Fmt.median(cold) / Fmt.median(session);
        }
    }

    private final ServeTarget target;
    private final String runTag;
    private final Duration timeout;
    private final CpuMonitor monitor;
    private final PrintStream log;
    private int sequence;

    SessionBench(ServeTarget target, String runTag, Duration timeout, CpuMonitor monitor, PrintStream log) {
        this.target = target;
        this.runTag = runTag;
        this.timeout = timeout;
        this.monitor = monitor;
        this.log = log;
    }

    Result run(Plan plan, int vocabSize) throws InterruptedException {
        SplittableRandom rnd = new SplittableRandom(plan.seed());
        int limit = Math.min(ID_LIMIT, vocabSize);
        Modes session = new Modes();
        Modes noSession = new Modes();
        Modes cold = new Modes();
        List<String> problems = new ArrayList<>();
        // untimed: the worker's first GENERATE of this shape
        turn(ids(rnd, plan.historyTokens(), limit), null, plan.newTokens(), problems);
        CpuMonitor.Sample a = monitor.sample();
        for (int c = 0; c < plan.conversations(); c++) {
            String sessionId = runTag + "-session-" + c;
            secondTurn(plan, rnd, limit, sessionId, session, problems);
            secondTurn(plan, rnd, limit, null, noSession, problems);
            int[] history = concat(ids(rnd, plan.historyTokens(), limit), ids(rnd, plan.newTokens(), limit));
            cold.add(turn(concat(history, ids(rnd, plan.turnTokens(), limit)), null, plan.newTokens(), problems));
        }
        double foreign = CpuMonitor.foreignShare(a, monitor.sample());
        return new Result(plan, session.seconds, noSession.seconds, cold.seconds, session.usage(), noSession.usage(),
                cold.usage(), problems, foreign);
    }

    /** A first turn, then the second (first turn + its answer + new tokens); records the second. */
    private void secondTurn(Plan plan, SplittableRandom rnd, int limit, String sessionId, Modes into,
            List<String> problems) throws InterruptedException {
        int[] first = ids(rnd, plan.historyTokens(), limit);
        int[] newTurn = ids(rnd, plan.turnTokens(), limit);
        RequestTrace t1 = turn(first, sessionId, plan.newTokens(), problems);
        if (!t1.ok()) {
            return;
        }
        into.add(turn(concat(concat(first, t1.newIds()), newTurn), sessionId, plan.newTokens(), problems));
    }

    private RequestTrace turn(int[] ids, String sessionId, int newTokens, List<String> problems)
            throws InterruptedException {
        String id = runTag + "-" + target.modelName() + "-chat-" + (sequence++);
        RequestTrace trace = new RequestTrace(id, sequence);
        PromptRequest request = PromptRequest.newBuilder().setRequestId(id).setModel(target.modelName())
                .setTask(Task.GENERATE).setInputIds(Arrays.stream(ids).boxed().toList()).setSessionId(sessionId)
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(newTokens).setDoSample(false)
                        .setIgnoreEos(true).setStream(false).build())
                .setRunId(runTag).build();
        target.submit(request, trace);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!trace.await(Math.min(deadline, System.nanoTime() + 1_000_000_000L))) {
            String failure = target.failure();
            if (failure != null || System.nanoTime() >= deadline) {
                trace.fail(failure != null ? failure : "no answer within " + timeout.toSeconds() + " s");
            }
        }
        if (!trace.ok()) {
            problems.add(trace.problem());
            log.println("    chat turn failed: " + trace.problem());
        }
        return trace;
    }

    private static int[] ids(SplittableRandom rnd, int n, int limit) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = rnd.nextInt(limit);
        }
        return out;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The timed second turns of one mode. */
    private static final class Modes {
        final List<Double> seconds = new ArrayList<>();
        long cached;
        long computed;
        int withUsage;

        void add(RequestTrace t) {
            if (!t.ok()) {
                return;
            }
            seconds.add(t.latencySeconds());
            ScoringResult r = t.result();
            if (r.getUsage() != null) {
                cached += r.getUsage().getCachedTokens();
                computed += r.getUsage().getComputedTokens();
                withUsage++;
            }
        }

        SideResult.Usage usage() {
            return withUsage == 0 ? null : new SideResult.Usage(cached, computed, withUsage);
        }
    }
}
