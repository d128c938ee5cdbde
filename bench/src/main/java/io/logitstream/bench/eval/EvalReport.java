package io.logitstream.bench.eval;

import static io.logitstream.bench.Fmt.pct;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.bench.BenchSetup;
import io.logitstream.bench.Fmt;
import io.logitstream.bench.Machine;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The results of one {@code bench eval} run: the markdown tables and the raw numbers as JSON. */
final class EvalReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the run was asked to do. */
    record Plan(int items, int window, List<Integer> lmEvalBatchSizes, int mmluPrefixTokens, int hellaswagContextTokens,
            SessionBench.Plan session, long seed, int threads, boolean quick) {
    }

    /** Everything measured on one checkpoint. */
    record ModelRun(String name, Path dir, List<WorkloadRun> workloads, SessionBench.Result session) {
    }

    final ZonedDateTime date;
    final List<String> args;
    final Plan plan;
    final List<ModelRun> models = new ArrayList<>();
    final List<String> skipped = new ArrayList<>();
    String stack;
    String djlVersion;
    String libtorchVersion;
    JsonNode pythonInfo;
    double foreignShare = Double.NaN;
    double wallSeconds;

    EvalReport(ZonedDateTime date, List<String> args, Plan plan) {
        this.date = date;
        this.args = List.copyOf(args);
        this.plan = plan;
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Evaluation benchmark: CHOICE through Kafka vs lm-evaluation-harness (hf) vs transformers"
                + " (CPU, fp32)\n\n");
        header(b);
        b.append("\n## Summary\n\n| model | workload | items | ours items/s |");
        for (int bs : plan.lmEvalBatchSizes()) {
            b.append(" lm-eval b").append(bs).append(" items/s |");
        }
        b.append(" transformers items/s |");
        for (int bs : plan.lmEvalBatchSizes()) {
            b.append(" ours / lm-eval b").append(bs).append(" |");
        }
        b.append(" ours / transformers | max abs diff ours vs lm-eval | max abs diff lm-eval vs transformers |"
                + " accuracy ours / lm-eval / transformers | same argmax ours = lm-eval | cached / computed tokens (ours) |\n|");
        b.append("---|".repeat(12 + 2 * plan.lmEvalBatchSizes().size())).append('\n');
        for (ModelRun m : models) {
            for (WorkloadRun w : m.workloads()) {
                summaryRow(b, m, w);
            }
        }
        for (ModelRun m : models) {
            for (WorkloadRun w : m.workloads()) {
                workloadSection(b, m, w);
            }
            if (m.session() != null) {
                sessionSection(b, m);
            }
        }
        if (!skipped.isEmpty()) {
            b.append("\nSkipped: ").append(String.join("; ", skipped)).append('\n');
        }
        return b.toString();
    }

    private void header(StringBuilder b) {
        b.append("- date: ").append(date.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append(", command: `logitstream bench eval").append(BenchSetup.argsString(args)).append('`')
                .append(plan.quick() ? " (quick)" : "").append(String.format(Locale.ROOT, ", wall time %.0f s%n",
                        wallSeconds));
        b.append("- machine: ").append(Machine.cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs, ").append(Machine.memoryGb()).append(" GB, ").append(Machine.os())
                .append("; other processes used ").append(pct(foreignShare)).append(" of the CPUs during the run\n");
        b.append("- every side ").append(plan.threads()).append(" intra-op / 1 inter-op threads, fp32, the same"
                + " checkpoint and the same items (seed ").append(plan.seed()).append(")\n");
        b.append("- **ours**: one CHOICE request per item (text = context, choices, gold_index, prefix_key for the"
                + " MMLU-shaped items) to `llm.prompts` -> `logitstream topology` -> `logitstream worker` on a ")
                .append(stack).append(", at most ").append(plan.window()).append(" in flight; time = first send to the"
                        + " last committed result on `llm.results`; our JVM: ").append(BenchSetup.jvmDescription())
                .append(", DJL ").append(djlVersion).append(", libtorch ").append(libtorchVersion).append('\n');
        if (pythonInfo != null) {
            JsonNode v = pythonInfo.path("versions");
            b.append("- **lm-eval hf**: lm_eval ").append(v.path("lm_eval").asText()).append(" (transformers ")
                    .append(v.path("transformers").asText()).append(", torch ").append(v.path("torch").asText())
                    .append(", datasets ").append(v.path("datasets").asText()).append("): `simple_evaluate` on"
                            + " `HFLM(pretrained=<dir>, dtype=float32, batch_size=N)` with a local multiple_choice task"
                            + " (dataset_path json, data_files), log_samples; time = `HFLM.loglikelihood` alone (the"
                            + " harness' task indexing, dataset building and metrics are left out, see each table)\n");
            b.append("- **transformers**: `AutoModelForCausalLM` (sdpa), one forward per (context + candidate) from"
                    + " scratch under `torch.inference_mode()`, pairs split into tokens as lm-eval does; time = all"
                    + " forwards\n");
        }
    }

    private void summaryRow(StringBuilder b, ModelRun m, WorkloadRun w) {
        SideResult ref = w.lmEvalReference();
        b.append("| ").append(m.name()).append(" | ").append(w.workload().name()).append(" | ").append(w.workload().size())
                .append(" | ").append(rate(w.ours())).append(" |");
        for (int i = 0; i < plan.lmEvalBatchSizes().size(); i++) {
            b.append(' ').append(i < w.lmEval().size() ? rate(w.lmEval().get(i)) : "-").append(" |");
        }
        b.append(' ').append(w.transformers() != null ? rate(w.transformers()) : "-").append(" |");
        for (int i = 0; i < plan.lmEvalBatchSizes().size(); i++) {
            b.append(' ').append(i < w.lmEval().size() ? Fmt.ratio(w.speedupOver(w.lmEval().get(i))) : "-").append(" |");
        }
        b.append(' ').append(w.transformers() != null ? Fmt.ratio(w.speedupOver(w.transformers())) : "-").append(" | ")
                .append(ref != null ? sci(EvalComparison.maxAbsDifference(w.ours().loglikelihoods(), ref.loglikelihoods()))
                        : "-").append(" | ")
                .append(ref != null && w.transformers() != null ? sci(EvalComparison.maxAbsDifference(
                        ref.loglikelihoods(), w.transformers().loglikelihoods())) : "-").append(" | ")
                .append(acc(w, w.ours())).append(" / ").append(ref != null ? acc(w, ref) : "-").append(" / ")
                .append(w.transformers() != null ? acc(w, w.transformers()) : "-").append(" | ")
                .append(ref != null ? EvalComparison.sameArgmax(w.ours().loglikelihoods(), ref.loglikelihoods()) + "/"
                        + w.workload().size() : "-").append(" | ").append(usage(w.ours().usage())).append(" |\n");
    }

    private void workloadSection(StringBuilder b, ModelRun m, WorkloadRun w) {
        EvalWorkload wl = w.workload();
        b.append("\n## ").append(m.name()).append(": ").append(wl.shape()).append("\n\n");
        b.append(wl.describe()).append(String.format(Locale.ROOT, "; %,d tokens over all (context + candidate) pairs,"
                + " %,d distinct (each context once)", wl.pairTokens(), wl.distinctTokens()))
                .append(wl.prefixKey() != null ? "; prefix_key `" + wl.prefixKey() + "`" : "").append("\n\n");
        SideResult ref = w.lmEvalReference();
        b.append("| side | time (s) | items/s | ours faster by | accuracy | same argmax as ours | max abs diff vs ours"
                + " | max abs diff vs lm-eval b").append(plan.lmEvalBatchSizes().get(0))
                .append(" | others' CPU |\n|---|---|---|---|---|---|---|---|---|\n");
        for (SideResult s : w.sides()) {
            boolean isOurs = s == w.ours();
            b.append("| ").append(s.label()).append(" | ").append(Fmt.sec(s.seconds())).append(" | ").append(rate(s))
                    .append(" | ").append(isOurs ? "-" : Fmt.ratio(w.speedupOver(s))).append(" | ").append(acc(w, s))
                    .append(" | ").append(isOurs ? "-" : EvalComparison.sameArgmax(w.ours().loglikelihoods(),
                            s.loglikelihoods()) + "/" + wl.size())
                    .append(" | ").append(isOurs ? "-" : sci(EvalComparison.maxAbsDifference(w.ours().loglikelihoods(),
                            s.loglikelihoods())))
                    .append(" | ").append(ref == null || s == ref ? "-" : sci(EvalComparison.maxAbsDifference(
                            ref.loglikelihoods(), s.loglikelihoods())))
                    .append(" | ").append(pct(s.foreignShare())).append(" |\n");
        }
        b.append('\n');
        b.append("- ours: ").append(w.ours().answered()).append('/').append(wl.size()).append(" answered; usage: ")
                .append(usage(w.ours().usage())).append(w.ours().detail().isEmpty() ? "" : "; " + w.ours().detail())
                .append('\n');
        int same = w.sameTokens();
        if (same >= 0) {
            b.append("- token ids: ours (prompt and candidates encoded apart) = lm-eval's split of the encoded pair for ")
                    .append(same).append('/').append(wl.size()).append(" items\n");
        }
        for (SideResult s : w.lmEval()) {
            b.append("- ").append(s.label()).append(": ").append(s.detail()).append('\n');
        }
        if (ref != null) {
            double diff = EvalComparison.maxAbsDifference(w.ours().loglikelihoods(), ref.loglikelihoods());
            double best = w.lmEval().stream().mapToDouble(w::speedupOver).min().orElse(Double.NaN);
            b.append(String.format(Locale.ROOT, "- targets: per-candidate loglikelihood within %.0e of lm-eval: %s (%s);"
                    + " identical accuracy: %s (%s vs %s, same argmax %d/%d); throughput >= %.0fx lm-eval hf (every"
                    + " batch size): %s (%s)%n", WorkloadRun.TOLERANCE, sci(diff), diff <= WorkloadRun.TOLERANCE
                            ? "reached" : "not reached",
                    acc(w, w.ours()).equals(acc(w, ref)) ? "reached" : "not reached", acc(w, w.ours()), acc(w, ref),
                    EvalComparison.sameArgmax(w.ours().loglikelihoods(), ref.loglikelihoods()), wl.size(),
                    WorkloadRun.SPEEDUP_TARGET, String.format(Locale.ROOT, "%.2fx", best),
                    best >= WorkloadRun.SPEEDUP_TARGET ? "reached" : "not reached"));
        }
    }

    private void sessionSection(StringBuilder b, ModelRun m) {
        SessionBench.Result r = m.session();
        SessionBench.Plan p = r.plan();
        b.append("\n## ").append(m.name()).append(": chat session, second turn\n\n");
        b.append(String.format(Locale.ROOT, "%d conversations; second turn = a %d-token first turn + its %d-token"
                + " answer + %d new tokens, greedy GENERATE of %d tokens (ignore_eos), one request at a time, time"
                + " from send to result; others' CPU %s%n%n", p.conversations(), p.historyTokens(), p.newTokens(),
                p.turnTokens(), p.newTokens(), pct(r.foreignShare())));
        b.append("| second turn | turns | p50 (s) | mean (s) | cached / computed tokens |\n|---|---|---|---|---|\n");
        sessionRow(b, "with session_id (both turns)", r.session(), r.sessionUsage());
        sessionRow(b, "without session_id (after its first turn)", r.noSession(), r.noSessionUsage());
        sessionRow(b, "cold (history never sent)", r.cold(), r.coldUsage());
        b.append(String.format(Locale.ROOT, "%n- speed-up of the second turn with the session over cold: %s"
                + " (target >= 5x: %s); without the session after its first turn: %s%n",
                Fmt.ratio(r.speedup()), r.speedup() >= 5 ? "reached" : "not reached",
                Fmt.ratio(Fmt.median(r.cold()) / Fmt.median(r.noSession()))));
        if (!r.problems().isEmpty()) {
            b.append("- ").append(r.problems().size()).append(" turns failed, first: ").append(r.problems().get(0))
                    .append('\n');
        }
    }

    private static void sessionRow(StringBuilder b, String label, List<Double> seconds, SideResult.Usage usage) {
        b.append("| ").append(label).append(" | ").append(seconds.size()).append(" | ").append(Fmt.sec(Fmt.median(seconds)))
                .append(" | ").append(Fmt.sec(seconds.stream().mapToDouble(Double::doubleValue).average().orElse(
                        Double.NaN))).append(" | ").append(usage(usage)).append(" |\n");
    }

    private static String rate(SideResult s) {
        return String.format(Locale.ROOT, "%.2f", s.itemsPerSecond());
    }

    private static String acc(WorkloadRun w, SideResult s) {
        return String.format(Locale.ROOT, "%.3f", w.accuracy(s));
    }

    static String sci(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.1e", x);
    }

    static String usage(SideResult.Usage u) {
        return u == null ? "n/a" : String.format(Locale.ROOT, "%,d / %,d", u.cachedTokens(), u.computedTokens());
    }

    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("date", date.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        root.putPOJO("args", args);
        root.set("plan", EvalJson.plan(plan));
        root.put("wall_seconds", wallSeconds);
        root.put("stack", stack);
        Machine.describe(root, foreignShare, djlVersion, libtorchVersion, pythonInfo);
        ArrayNode ms = root.putArray("models");
        for (ModelRun m : models) {
            ObjectNode mo = ms.addObject();
            mo.put("name", m.name());
            mo.put("dir", m.dir().toString());
            ArrayNode ws = mo.putArray("workloads");
            for (WorkloadRun w : m.workloads()) {
                ws.add(EvalJson.workload(w));
            }
            if (m.session() != null) {
                mo.set("session", EvalJson.session(m.session()));
            }
        }
        root.putPOJO("skipped", skipped);
        return root;
    }
}
