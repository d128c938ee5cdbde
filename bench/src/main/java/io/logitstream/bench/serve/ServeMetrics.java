package io.logitstream.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.bench.Fmt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * One side's numbers for one workload: requests/s and new tokens/s over the wall time from the
 * first send to the last answer, and per request its time to first token, time per output token
 * and latency (seconds).
 *
 * @param tokens     the new token ids per prompt index (null where a request got none)
 * @param problems   requests that did not succeed, with why
 * @param foreignShare share of the CPUs other processes used meanwhile
 */
public record ServeMetrics(String side, int requests, int completed, List<String> problems, double wallSeconds,
        long newTokens, List<Double> ttft, List<Double> tpot, List<Double> latency, List<int[]> tokens,
        double foreignShare) {

    /** From the traces of one run of a workload against a target. */
    static ServeMetrics of(String side, List<RequestTrace> traces, int prompts, double foreignShare) {
        long first = traces.stream().mapToLong(RequestTrace::sentNanos).min().orElse(0);
        long last = traces.stream().filter(RequestTrace::isDone).mapToLong(RequestTrace::doneNanos).max().orElse(first);
        List<String> problems = new ArrayList<>();
        List<Double> ttft = new ArrayList<>();
        List<Double> tpot = new ArrayList<>();
        List<Double> latency = new ArrayList<>();
        List<int[]> tokens = new ArrayList<>(Collections.nCopies(prompts, (int[]) null));
        long newTokens = 0;
        int completed = 0;
        for (RequestTrace t : traces) {
            if (!t.ok()) {
                problems.add(t.requestId() + ": " + t.problem());
                continue;
            }
            completed++;
            newTokens += t.newTokens();
            latency.add(t.latencySeconds());
            addIfNumber(ttft, t.ttftSeconds());
            addIfNumber(tpot, t.tpotSeconds());
            tokens.set(t.promptIndex(), t.newIds());
        }
        return new ServeMetrics(side, traces.size(), completed, problems, (last - first) / 1e9, newTokens, ttft, tpot,
                latency, tokens, foreignShare);
    }

    /** From the transformers side's answer to a {@code serve} request (hf_bench.py). */
    static ServeMetrics ofReference(String side, JsonNode r, double foreignShare) {
        List<Double> ttft = doubles(r.path("ttft_s"));
        List<Double> tpot = doubles(r.path("tpot_s"));
        List<Double> latency = new ArrayList<>();
        List<int[]> tokens = new ArrayList<>();
        long newTokens = 0;
        for (int i = 0; i < r.path("tokens").size(); i++) {
            JsonNode row = r.path("tokens").get(i);
            int[] ids = new int[row.size()];
            for (int j = 0; j < ids.length; j++) {
                ids[j] = row.get(j).asInt();
            }
            tokens.add(ids);
            newTokens += ids.length;
            latency.add(ttft.get(i) + tpot.get(i) * Math.max(0, ids.length - 1));
        }
        return new ServeMetrics(side, tokens.size(), tokens.size(), List.of(), r.path("wall_s").asDouble(), newTokens,
                ttft, tpot, latency, tokens, foreignShare);
    }

    double requestsPerSecond() {
        return completed / wallSeconds;
    }

    double tokensPerSecond() {
        return newTokens / wallSeconds;
    }

    static double p50(List<Double> xs) {
        return Fmt.percentile(xs, 50);
    }

    static double p95(List<Double> xs) {
        return Fmt.percentile(xs, 95);
    }

    /**
     * How many prompts got the same greedy tokens as {@code other} (compared over the shorter of the
     * two, since a checkpoint's eos may end one side earlier); -1 when nothing compares.
     */
    int sameTokens(ServeMetrics other) {
        if (other == null) {
            return -1;
        }
        int same = 0;
        int n = Math.min(tokens.size(), other.tokens.size());
        for (int i = 0; i < n; i++) {
            int[] a = tokens.get(i);
            int[] b = other.tokens.get(i);
            if (a != null && b != null && Arrays.equals(a, 0, Math.min(a.length, b.length), b, 0,
                    Math.min(a.length, b.length))) {
                same++;
            }
        }
        return same;
    }

    private static void addIfNumber(List<Double> xs, double x) {
        if (!Double.isNaN(x)) {
            xs.add(x);
        }
    }

    private static List<Double> doubles(JsonNode array) {
        List<Double> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asDouble()));
        return out;
    }
}
