package io.logitstream.bench.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The raw numbers of {@code bench eval} as JSON: every side's per-candidate loglikelihoods, times, comparisons. */
final class EvalJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalJson() {
    }

    static ObjectNode workload(WorkloadRun w) {
        EvalWorkload wl = w.workload();
        ObjectNode o = JSON.createObjectNode();
        o.put("name", wl.name());
        o.put("shape", wl.shape());
        o.put("prefix_key", wl.prefixKey());
        o.put("items", wl.size());
        o.put("candidates", wl.candidates());
        o.put("pair_tokens", wl.pairTokens());
        o.put("distinct_tokens", wl.distinctTokens());
        o.set("context_tokens", ints(wl.contextTokens()));
        o.set("gold", ints(wl.items().stream().mapToInt(EvalItem::gold).toArray()));
        o.put("same_tokens_as_lm_eval_split", w.sameTokens());
        SideResult ref = w.lmEvalReference();
        ArrayNode sides = o.putArray("sides");
        for (SideResult s : w.sides()) {
            ObjectNode so = sides.addObject();
            so.put("label", s.label());
            so.put("seconds", s.seconds());
            so.put("items_per_second", s.itemsPerSecond());
            so.put("answered", s.answered());
            so.put("accuracy", w.accuracy(s));
            so.put("foreign_cpu_share", s.foreignShare());
            so.put("detail", s.detail());
            if (s != w.ours()) {
                so.put("ours_speedup", w.speedupOver(s));
                so.put("same_argmax_as_ours", EvalComparison.sameArgmax(w.ours().loglikelihoods(), s.loglikelihoods()));
                so.put("max_abs_diff_vs_ours", EvalComparison.maxAbsDifference(w.ours().loglikelihoods(),
                        s.loglikelihoods()));
            }
            if (ref != null && s != ref) {
                so.put("max_abs_diff_vs_lm_eval", EvalComparison.maxAbsDifference(ref.loglikelihoods(),
                        s.loglikelihoods()));
            }
            if (s.usage() != null) {
                so.set("usage", usage(s.usage()));
            }
            ArrayNode ll = so.putArray("loglikelihoods");
            for (double[] row : s.loglikelihoods()) {
                if (row == null) {
                    ll.addNull();
                } else {
                    ArrayNode r = ll.addArray();
                    for (double v : row) {
                        r.add(v);
                    }
                }
            }
        }
        return o;
    }

    static ObjectNode session(SessionBench.Result r) {
        ObjectNode o = JSON.createObjectNode();
        SessionBench.Plan p = r.plan();
        o.put("conversations", p.conversations());
        o.put("history_tokens", p.historyTokens());
        o.put("turn_tokens", p.turnTokens());
        o.put("new_tokens", p.newTokens());
        o.put("speedup_session_over_cold", r.speedup());
        o.set("session_seconds", doubles(r.session()));
        o.set("no_session_seconds", doubles(r.noSession()));
        o.set("cold_seconds", doubles(r.cold()));
        if (r.sessionUsage() != null) {
            o.set("session_usage", usage(r.sessionUsage()));
        }
        if (r.noSessionUsage() != null) {
            o.set("no_session_usage", usage(r.noSessionUsage()));
        }
        if (r.coldUsage() != null) {
            o.set("cold_usage", usage(r.coldUsage()));
        }
        o.putPOJO("problems", r.problems());
        o.put("foreign_cpu_share", r.foreignShare());
        return o;
    }

    static ObjectNode plan(EvalReport.Plan p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("items", p.items());
        o.put("window", p.window());
        o.putPOJO("lm_eval_batch_sizes", p.lmEvalBatchSizes());
        o.put("mmlu_prefix_tokens", p.mmluPrefixTokens());
        o.put("hellaswag_context_tokens", p.hellaswagContextTokens());
        o.put("seed", p.seed());
        o.put("threads", p.threads());
        o.put("quick", p.quick());
        return o;
    }

    private static ObjectNode usage(SideResult.Usage u) {
        ObjectNode o = JSON.createObjectNode();
        o.put("cached_tokens", u.cachedTokens());
        o.put("computed_tokens", u.computedTokens());
        o.put("results", u.results());
        return o;
    }

    private static ArrayNode ints(int[] values) {
        ArrayNode a = JSON.createArrayNode();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    private static ArrayNode doubles(List<Double> values) {
        ArrayNode a = JSON.createArrayNode();
        values.forEach(a::add);
        return a;
    }
}
