package io.logitstream.bench.eval;

import io.logitstream.bench.CpuMonitor;
import io.logitstream.bench.serve.RequestTrace;
import io.logitstream.bench.serve.ServeTarget;
import io.logitstream.schema.CandidateScore;
import io.logitstream.schema.ChoiceOutput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Our side of {@code bench eval}: every item is one CHOICE request (text = the context, choices = the
 * candidates, gold_index; the workload's prefix_key when it has one) produced to {@code llm.prompts}, at most
 * {@code window} in flight, and read back from {@code llm.results}. A candidate's loglikelihood is its
 * {@code CandidateScore.logprob}; the results' {@code usage} gives the cached and computed tokens.
 */
final class OurSide {
    static final String LABEL = "ours (kafka, CHOICE)";

    private final ServeTarget target;
    private final String runTag;
    private final int window;
    private final Duration timeout;
    private final CpuMonitor monitor;
    private final PrintStream log;
    private int sequence;

    OurSide(ServeTarget target, String runTag, int window, Duration timeout, CpuMonitor monitor, PrintStream log) {
        this.target = target;
        this.runTag = runTag;
        this.window = window;
        this.timeout = timeout;
        this.monitor = monitor;
        this.log = log;
    }

    /** Untimed: the items as requests; fails with the reason if the worker cannot answer them. */
    void warmup(EvalWorkload workload) throws InterruptedException {
        for (RequestTrace t : send(workload)) {
            if (!t.ok()) {
                throw new IllegalStateException(LABEL + " failed its warm-up: " + t.problem());
            }
        }
    }

    SideResult run(EvalWorkload workload) throws InterruptedException {
        CpuMonitor.Sample a = monitor.sample();
        long start = System.nanoTime();
        List<RequestTrace> traces = send(workload);
        double seconds = (traces.stream().filter(RequestTrace::isDone).mapToLong(RequestTrace::doneNanos).max()
                .orElse(System.nanoTime()) - start) / 1e9;
        double foreign = CpuMonitor.foreignShare(a, monitor.sample());
        double[][] ll = new double[traces.size()][];
        List<int[]> contexts = new ArrayList<>();
        List<List<int[]>> candidates = new ArrayList<>();
        long cached = 0;
        long computed = 0;
        int withUsage = 0;
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < traces.size(); i++) {
            ScoringResult r = traces.get(i).ok() ? traces.get(i).result() : null;
            ChoiceOutput choice = r == null ? null : r.getChoice();
            if (choice == null) {
                problems.add(traces.get(i).problem() != null ? traces.get(i).problem() : "no choice output");
                contexts.add(null);
                candidates.add(null);
                continue;
            }
            ll[i] = choice.getCandidates().stream().mapToDouble(CandidateScore::getLogprob).toArray();
            contexts.add(r.getInputIds().stream().mapToInt(Integer::intValue).toArray());
            candidates.add(choice.getCandidates().stream()
                    .map(c -> c.getTokenIds().stream().mapToInt(Integer::intValue).toArray()).toList());
            if (r.getUsage() != null) {
                cached += r.getUsage().getCachedTokens();
                computed += r.getUsage().getComputedTokens();
                withUsage++;
            }
        }
        String detail = problems.isEmpty() ? "" : problems.size() + " items failed, first: " + problems.get(0);
        if (!problems.isEmpty()) {
            log.println("    " + LABEL + ": " + detail);
        }
        return new SideResult(LABEL, seconds, ll, new SideResult.Tokenization(contexts, candidates),
                withUsage == 0 ? null : new SideResult.Usage(cached, computed, withUsage), foreign, detail);
    }

    /** Sends every item, at most {@code window} unanswered at a time, and waits for all of them. */
    private List<RequestTrace> send(EvalWorkload workload) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<RequestTrace> traces = new ArrayList<>();
        for (int i = 0; i < workload.size(); i++) {
            if (i >= window && !await(traces.subList(i - window, i - window + 1), deadline)) {
                break;
            }
            String id = runTag + "-" + target.modelName() + "-" + workload.name() + "-" + (sequence++);
            RequestTrace trace = new RequestTrace(id, i);
            target.submit(request(id, target.modelName(), workload.items().get(i), workload.prefixKey(), runTag), trace);
            traces.add(trace);
        }
        await(traces, deadline);
        while (traces.size() < workload.size()) { // stopped early: the rest never went out
            RequestTrace t = new RequestTrace("unsent", traces.size());
            t.fail("not sent: an earlier request got no answer");
            traces.add(t);
        }
        return traces;
    }

    static PromptRequest request(String id, String model, EvalItem item, String prefixKey, String runId) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model).setTask(Task.CHOICE)
                .setText(item.context()).setChoices(item.choices()).setGoldIndex(item.gold())
                .setPrefixKey(prefixKey).setRunId(runId).build();
    }

    /** Waits for the traces until the deadline; false (and all of them failed) when the target gave up or time ran out. */
    private boolean await(List<RequestTrace> traces, long deadline) throws InterruptedException {
        for (RequestTrace t : traces) {
            while (!t.await(Math.min(deadline, System.nanoTime() + 1_000_000_000L))) {
                String failure = target.failure();
                if (failure != null || System.nanoTime() >= deadline) {
                    String why = failure != null ? failure : "no answer within " + timeout.toSeconds() + " s";
                    traces.forEach(x -> x.fail(why));
                    log.println("    " + LABEL + ": " + why);
                    return false;
                }
            }
        }
        return true;
    }
}
