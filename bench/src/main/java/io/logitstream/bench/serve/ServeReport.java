package io.logitstream.bench.serve;

import static io.logitstream.bench.Fmt.num;
import static io.logitstream.bench.Fmt.pct;
import static io.logitstream.bench.Fmt.ratio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.bench.BenchSetup;
import io.logitstream.bench.Machine;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of one {@code bench serve} run: the markdown tables and the raw numbers as JSON. */
final class ServeReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the run was asked to do. */
    record Plan(List<Integer> concurrency, int newTokens, int longRequests, int longTokens, int scores,
            long scoreIntervalMs, long seed, int threads, boolean quick, Map<String, String> servingConfig) {
    }

    final ZonedDateTime date;
    final List<String> args;
    final Plan plan;
    final List<ServeResults> models = new ArrayList<>();
    final List<String> skipped = new ArrayList<>();
    String stack;
    String executor;
    String djlVersion;
    String libtorchVersion;
    JsonNode hfInfo;
    double foreignShare = Double.NaN;
    double wallSeconds;

    ServeReport(ZonedDateTime date, List<String> args, Plan plan) {
        this.date = date;
        this.args = List.copyOf(args);
        this.plan = plan;
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Serving benchmark: LogitStream over Kafka, the engine alone, transformers' batched generate"
                + " (CPU, fp32)\n\n");
        b.append("- date: ").append(date.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append(", command: `logitstream bench serve").append(BenchSetup.argsString(args)).append('`')
                .append(plan.quick() ? " (quick)" : "").append(String.format(Locale.ROOT, ", wall time %.0f s%n",
                        wallSeconds));
        b.append("- machine: ").append(Machine.cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs (").append(Machine.cpuFlags()).append("), ").append(Machine.memoryGb()).append(" GB, ")
                .append(Machine.os()).append("; other processes used ").append(pct(foreignShare))
                .append(" of the CPUs during the run (per row in the last column)\n");
        b.append("- **").append(ServeResults.KAFKA).append("**: requests to `llm.prompts` -> `logitstream topology` ->"
                + " `logitstream worker` (each its own JVM) on a ").append(stack).append("; time to first token (TTFT)"
                + " from the send to the first chunk on `llm.tokens` as this bench's consumer receives it (chunks"
                + " deduplicated on request_id + seq), time per output token (TPOT) = (last - first chunk) / (chunks"
                + " - 1) per request, done when its result is committed on `llm.results`\n");
        b.append("- serving config ").append(plan.servingConfig().isEmpty() ? "(defaults)"
                : "`" + plan.servingConfig() + "`").append(": the worker's `--config` file, and the engine alone's;"
                + " **").append(ServeResults.KAFKA_ONE).append("**: a second worker with"
                + " `logitstream.serving.max-running-sequences=1` added; **").append(ServeResults.ENGINE)
                .append("**: `").append(executor).append("` (from `ServeExecutors.create`) driven in the bench's JVM,"
                        + " no Kafka (the workers run what `logitstream worker` builds)\n");
        b.append("- ours: ").append(BenchSetup.jvmDescription()).append(", DJL ").append(djlVersion).append(", libtorch ")
                .append(libtorchVersion).append("; every side ").append(plan.threads())
                .append(" intra-op / 1 inter-op threads\n");
        if (hfInfo != null) {
            JsonNode v = hfInfo.path("versions");
            b.append("- transformers ").append(v.path("transformers").asText()).append(" (torch ")
                    .append(v.path("torch").asText()).append("): `generate` on left-padded batches (one batch of the N"
                            + " prompts; for N > 8 also consecutive batches of 8), greedy, exactly the same number of"
                            + " new tokens (eos ignored), sdpa attention; TTFT = from the start of the run to the"
                            + " batch's first step (later batches include their wait), TPOT = the batch's mean step\n");
        }
        b.append(String.format(Locale.ROOT, "- inputs: random token ids (seed %d), the same for every side: GENERATE"
                + " prompts of 16..64 tokens, greedy, max_new_tokens %d (a checkpoint's eos may end ours earlier: new"
                + " tokens are counted, not assumed); mixed load: %d GENERATEs of %d new tokens, and %d SCOREs of 16..32"
                + " tokens (top-5), one every %d ms, first alone (idle latency), then from 1 s after the generations"
                + " were sent%n", plan.seed(), plan.newTokens(), plan.longRequests(), plan.longTokens(), plan.scores(),
                plan.scoreIntervalMs()));
        if (!skipped.isEmpty()) {
            b.append("- skipped: ").append(String.join("; ", skipped)).append('\n');
        }
        for (ServeResults m : models) {
            model(b, m);
        }
        return b.toString();
    }

    private void model(StringBuilder b, ServeResults m) {
        b.append(String.format(Locale.ROOT, "%n## %s (%s, %d layers, d=%d, vocab %d)%n%n", m.name,
                m.config.modelType(), m.config.numLayers(), m.config.hiddenSize(), m.config.vocabSize()));
        b.append("### N concurrent GENERATEs of ").append(plan.newTokens()).append(" new tokens\n\n");
        b.append("| N | side | req/s | new tok/s | TTFT p50 ms | TTFT p95 ms | TPOT p50 ms | TPOT p95 ms | new tokens |"
                + " same tokens as engine alone | failed | others' CPU |\n");
        b.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        m.concurrent.forEach((n, sides) -> {
            ServeMetrics engine = m.find(n, ServeResults.ENGINE);
            for (ServeMetrics s : sides) {
                int same = s.side().equals(ServeResults.ENGINE) ? -1 : s.sameTokens(engine);
                b.append(String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s | %s | %d | %s | %d | %s |%n", n,
                        s.side(), num(s.requestsPerSecond()), num(s.tokensPerSecond()), ms(ServeMetrics.p50(s.ttft())),
                        ms(ServeMetrics.p95(s.ttft())), ms(ServeMetrics.p50(s.tpot())), ms(ServeMetrics.p95(s.tpot())),
                        s.newTokens(), same < 0 ? "-" : same + "/" + n, s.problems().size(), pct(s.foreignShare())));
            }
        });
        if (!m.mixed.isEmpty()) {
            b.append(String.format(Locale.ROOT, "%n### Mixed load: %d GENERATEs of %d new tokens + a SCORE every %d ms%n%n",
                    plan.longRequests(), plan.longTokens(), plan.scoreIntervalMs()));
            b.append("| side | generations: new tok/s | SCORE idle p50 / p95 ms | SCORE under load p50 / p95 ms |"
                    + " under load / idle (p50) | SCOREs sent during the generations | failed | others' CPU |\n");
            b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            m.mixed.forEach((side, x) -> {
                List<Double> idle = x.idleScores().latency();
                List<Double> loaded = x.loadedScores().latency();
                int failed = x.generations().problems().size() + x.idleScores().problems().size()
                        + x.loadedScores().problems().size();
                b.append(String.format(Locale.ROOT, "| %s | %s | %s / %s | %s / %s | %s | %d of %d | %d | %s |%n", side,
                        num(x.generations().tokensPerSecond()), ms(ServeMetrics.p50(idle)), ms(ServeMetrics.p95(idle)),
                        ms(ServeMetrics.p50(loaded)), ms(ServeMetrics.p95(loaded)),
                        ratio(ServeMetrics.p50(loaded) / ServeMetrics.p50(idle)), x.loadedScores().requests(),
                        x.scoresSent(), failed, pct(x.generations().foreignShare())));
            });
        }
        b.append("\n### Targets (kafka = the worker with the serving core)\n\n| target | measured | goal | |\n"
                + "|---|---:|---:|---|\n");
        for (ServeResults.Target t : m.targets(plan.longRequests())) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %s %.1f | %s |%n", t.what(), ratio(t.value()),
                    t.atLeast() ? ">=" : "<=", t.goal(), t.verdict()));
        }
        List<String> problems = new ArrayList<>();
        m.concurrent.values().forEach(l -> l.forEach(s -> s.problems().forEach(p -> problems.add(s.side() + ": " + p))));
        if (!problems.isEmpty()) {
            b.append("\nFailed requests (first 10): ").append(String.join("; ", problems.subList(0,
                    Math.min(10, problems.size())))).append('\n');
        }
    }

    private static String ms(double seconds) {
        return num(seconds * 1000);
    }

    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("date", date.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        root.set("args", JSON.valueToTree(args));
        root.set("plan", JSON.valueToTree(plan));
        root.put("wall_s", wallSeconds);
        root.put("stack", stack);
        root.put("executor", executor);
        Machine.describe(root, foreignShare, djlVersion, libtorchVersion, hfInfo);
        root.set("skipped", JSON.valueToTree(skipped));
        ArrayNode ms = root.putArray("models");
        for (ServeResults m : models) {
            ObjectNode mj = ms.addObject();
            mj.put("name", m.name);
            mj.put("dir", m.dir.toString());
            mj.put("model_type", m.config.modelType());
            mj.put("engine_load_ms", m.engineLoadMillis);
            ArrayNode conc = mj.putArray("concurrent");
            m.concurrent.forEach((n, sides) -> sides.forEach(s -> conc.add(metrics(s).put("n", n))));
            ObjectNode mixed = mj.putObject("mixed");
            m.mixed.forEach((side, x) -> {
                ObjectNode o = mixed.putObject(side);
                o.set("generations", metrics(x.generations()));
                o.set("idle_scores", metrics(x.idleScores()));
                o.set("loaded_scores", metrics(x.loadedScores()));
                o.put("scores_sent", x.scoresSent());
            });
            ArrayNode targets = mj.putArray("targets");
            for (ServeResults.Target t : m.targets(plan.longRequests())) {
                targets.addObject().put("target", t.what()).put("measured", t.value()).put("goal", t.goal())
                        .put("at_least", t.atLeast()).put("verdict", t.verdict());
            }
        }
        return root;
    }

    private static ObjectNode metrics(ServeMetrics s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("side", s.side());
        o.put("requests", s.requests());
        o.put("completed", s.completed());
        o.put("wall_s", s.wallSeconds());
        o.put("new_tokens", s.newTokens());
        o.put("requests_per_s", s.requestsPerSecond());
        o.put("new_tokens_per_s", s.tokensPerSecond());
        o.put("ttft_p50_s", ServeMetrics.p50(s.ttft()));
        o.put("ttft_p95_s", ServeMetrics.p95(s.ttft()));
        o.put("tpot_p50_s", ServeMetrics.p50(s.tpot()));
        o.put("tpot_p95_s", ServeMetrics.p95(s.tpot()));
        o.put("latency_p50_s", ServeMetrics.p50(s.latency()));
        o.put("latency_p95_s", ServeMetrics.p95(s.latency()));
        o.set("ttft_s", JSON.valueToTree(s.ttft()));
        o.set("tpot_s", JSON.valueToTree(s.tpot()));
        o.set("latency_s", JSON.valueToTree(s.latency()));
        o.set("problems", JSON.valueToTree(s.problems()));
        o.put("foreign_cpu_share", s.foreignShare());
        return o;
    }
}
