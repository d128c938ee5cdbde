package io.logitstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.bench.Report.WorkloadResult;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The "same result" check of a workload: our engine's check value against transformers' (sum of
 * logprobs for scores, the greedy tokens for generations, the label logits for classifications).
 */
final class ResultCheck {
    private ResultCheck() {
    }

    /** "8/8 same" for generations, "Δ 1e-6/token" for scores, "Δ 1e-6/logit" (largest) for classifications. */
    static String cell(WorkloadResult r) {
        Map<String, Object> c = of(r);
        if (c.isEmpty()) {
            return "-";
        }
        if (c.containsKey("same_sequences")) {
            return c.get("same_sequences") + "/" + c.get("sequences") + " same";
        }
        if (c.containsKey("max_abs_diff_logit")) {
            return String.format(Locale.ROOT, "Δ %.1e/logit", (Double) c.get("max_abs_diff_logit"));
        }
        return String.format(Locale.ROOT, "Δ %.1e/token", (Double) c.get("abs_diff_per_token"));
    }

    static Map<String, Object> of(WorkloadResult r) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (r.hfCheck == null || r.hfCheck.isNull() || r.oursCheck == null) {
            return out;
        }
        if (r.workload().kind() == Workload.Kind.CLASSIFY) {
            @SuppressWarnings("unchecked")
            List<float[]> ours = (List<float[]>) r.oursCheck;
            double max = 0;
            for (int i = 0; i < ours.size(); i++) {
                for (int j = 0; j < ours.get(i).length; j++) {
                    max = Math.max(max, Math.abs(ours.get(i)[j] - r.hfCheck.get(i).get(j).asDouble()));
                }
            }
            out.put("max_abs_diff_logit", max);
        } else if (r.oursCheck instanceof Double ours) {
            double hf = r.hfCheck.asDouble();
            out.put("ours_sum_logprob", ours);
            out.put("transformers_sum_logprob", hf);
            out.put("abs_diff_per_token", Math.abs(ours - hf) / r.workload().promptTokens());
        } else {
            @SuppressWarnings("unchecked")
            List<int[]> ours = (List<int[]>) r.oursCheck;
            int same = 0;
            for (int i = 0; i < ours.size(); i++) {
                JsonNode row = r.hfCheck.get(i);
                int[] h = new int[row.size()];
                for (int j = 0; j < h.length; j++) {
                    h[j] = row.get(j).asInt();
                }
                same += Arrays.equals(ours.get(i), h) ? 1 : 0;
            }
            out.put("sequences", ours.size());
            out.put("same_sequences", same);
        }
        return out;
    }
}
