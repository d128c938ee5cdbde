package io.logitstream.bench;

import static io.logitstream.bench.Fmt.median;
import static io.logitstream.bench.Fmt.num;
import static io.logitstream.bench.Fmt.pct;
import static io.logitstream.bench.Fmt.ratio;
import static io.logitstream.bench.Fmt.sec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.config.ModelConfig;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of one `bench engine` run: the markdown table and the raw numbers as JSON. */
final class Report {
    final ZonedDateTime date;
    final int threads;
    final boolean quick;
    final boolean profile;
    final long seed;
    final int newTokens;
    final int topK;
    final List<String> args;
    final List<String> skipped = new ArrayList<>();
    final List<ModelResult> models = new ArrayList<>();
    int[] oursThreads;
    String djlVersion;
    String libtorchVersion;
    JsonNode hfInfo;
    double peakOurs = Double.NaN;
    double peakHf = Double.NaN;
    double foreignShare = Double.NaN;
    double wallSeconds;
    Micro micro;

    Report(ZonedDateTime date, int threads, boolean quick, boolean profile, long seed, int newTokens, int topK,
            List<String> args) {
        this.date = date;
        this.threads = threads;
        this.quick = quick;
        this.profile = profile;
        this.seed = seed;
        this.newTokens = newTokens;
        this.topK = topK;
        this.args = List.copyOf(args);
    }

    static final class ModelResult {
        final String name;
        final Path dir;
        ModelConfig config;
        ModelFlops flops;
        long oursLoadMs;
        double hfLoadSeconds = Double.NaN;
        long hfParams;
        String hfAttn;
        final List<WorkloadResult> workloads = new ArrayList<>();
        Profile profile;

        ModelResult(String name, Path dir) {
            this.name = name;
            this.dir = dir;
        }
    }

    static final class WorkloadResult {
        private final Workload workload;
        final List<Double> oursTimes = new ArrayList<>();
        final List<Double> hfTimes = new ArrayList<>();
        Object oursCheck;
        JsonNode hfCheck;
        double foreignShare = Double.NaN;
        /** Repetition pairs measured again because other processes used the CPUs meanwhile. */
        int discarded;

        WorkloadResult(Workload workload) {
            this.workload = workload;
        }

        Workload workload() {
            return workload;
        }
    }

    static final class Profile {
        final Workload workload;
        /** label -> {ours seconds, transformers seconds} (NaN where not measured). */
        final Map<String, double[]> rows = new LinkedHashMap<>();
        long realPositions;
        long paddedPositions;
        long inputOrderPaddedPositions;
        long realAttentionCells;
        long paddedAttentionCells;
        List<Integer> subBatches;
        List<Integer> inputOrderSubBatches;
        double foreignShare = Double.NaN;
        /** ours: {forward with all logits, post-processing with chunkRows[0], [1], ...} seconds. */
        double[] oursSplit;
        /** transformers: {forward with all logits, post-processing (one chunk per sequence)} seconds. */
        double[] hfSplit;
        int[] chunkRows;
        double splitForeignShare = Double.NaN;
        /** generate b8 with the bench-side batched prototype (hfTimes: transformers' batched generate). */
        WorkloadResult batchedGeneration;

        Profile(Workload workload) {
            this.workload = workload;
        }
    }

    record Gemm(int m, int k, int n, double oursSeconds, double hfSeconds) {
        double flops() {
            return 2.0 * m * k * n;
        }
    }

    static final class Micro {
        final List<Gemm> gemms = new ArrayList<>();
        int[] activationShape;
        double geluNewOurs = Double.NaN;
        double geluExactOurs = Double.NaN;
        double geluTanhHf = Double.NaN;
        double geluNewHf = Double.NaN;
        /** {tanh form without pow s, sigmoid form s, max diff tanh form, max diff sigmoid form}. */
        double[] geluAlternatives;
        int[] attentionShape;
        /** Activation calls of the measured shape that make up score b32's activations (layers x sub-batches). */
        double activationCallsPerB32;
        int attentionSubBatches;
        int layers;
        double attentionOurs = Double.NaN;
        double attentionEagerHf = Double.NaN;
        double attentionSdpaHf = Double.NaN;
        double tinyOpOurs = Double.NaN;
        double tinyOpHf = Double.NaN;
        String overheadModel;
        WorkloadResult overhead;
    }

    // ------------------------------------------------------------------------------------------

    double machinePeak() {
        return Double.isNaN(peakHf) ? peakOurs : Double.isNaN(peakOurs) ? peakHf : Math.max(peakOurs, peakHf);
    }

    // ------------------------------------------------------------------------------------------ markdown

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Engine benchmark: LogitStream vs Hugging Face transformers (CPU, fp32)\n\n");
        b.append("- date: ").append(date.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append(", command: `logitstream bench engine")
                .append(BenchSetup.argsString(args)).append("`").append(quick ? " (quick)" : "")
                .append(String.format(Locale.ROOT, ", wall time %.0f s%n", wallSeconds));
        b.append("- machine: ").append(Machine.cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" CPUs (").append(Machine.cpuFlags()).append("), ").append(Machine.memoryGb()).append(" GB, ")
                .append(Machine.os()).append('\n');
        b.append(String.format(Locale.ROOT, "- other processes used %s of the CPUs during the run (this is a shared"
                + " machine; per workload in the last column)%n", pct(foreignShare)));
        b.append("- ours: ").append(BenchSetup.jvmDescription()).append(", DJL ").append(djlVersion)
                .append(", libtorch ").append(libtorchVersion).append(" (pytorch-native-cpu), threads intra-op ")
                .append(oursThreads[0]).append(" / inter-op ").append(oursThreads[1])
                .append(" (`-Dai.djl.pytorch.num_threads`, `-Dai.djl.pytorch.num_interop_threads`)\n");
        if (hfInfo != null) {
            JsonNode v = hfInfo.path("versions");
            b.append("- transformers: Python ").append(v.path("python").asText()).append(", torch ")
                    .append(v.path("torch").asText()).append(" (BLAS ").append(hfInfo.path("build").path("BLAS_INFO").asText())
                    .append(", ").append(hfInfo.path("build").path("cpu_capability").asText()).append("), transformers ")
                    .append(v.path("transformers").asText()).append(", threads intra-op ")
                    .append(hfInfo.path("threads").path("intra_op").asInt()).append(" / inter-op ")
                    .append(hfInfo.path("threads").path("inter_op").asInt())
                    .append(" (`torch.set_num_threads`, `OMP_NUM_THREADS`), `attn_implementation=\"sdpa\"`, `torch.inference_mode()`\n");
        }
        b.append(String.format(Locale.ROOT, "- fp32 matmul 2048x2048 (machine peak): ours (DJL -> libtorch %s) %.1f GFLOP/s,"
                + " torch %s %.1f GFLOP/s; %% of peak below is against %.1f GFLOP/s%n", libtorchVersion, peakOurs,
                hfInfo == null ? "-" : hfInfo.path("versions").path("torch").asText(), peakHf, machinePeak()));
        b.append("- inputs: random token ids < 50000 (seed ").append(seed).append("), the same for both engines and both"
                + " checkpoints; score = one forward + per position log-softmax, the token's logprob, argmax and top-")
                .append(topK).append("; generate = greedy, exactly ").append(newTokens)
                .append(" new tokens (eos ignored), tokens/s = new tokens / wall time including prefill\n");
        if (!skipped.isEmpty()) {
            b.append("- skipped: ").append(String.join("; ", skipped)).append('\n');
        }
        b.append('\n');

        b.append("## Throughput (median of the repetitions; the two engines alternate, ABBA)\n\n");
        b.append("| model | workload | prompts | reps | ours tok/s | transformers tok/s | ours/transformers | ours GFLOP/s"
                + " (% peak) | transformers GFLOP/s (% peak) | same result | others' CPU |\n");
        b.append("|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|\n");
        for (ModelResult m : models) {
            for (WorkloadResult r : m.workloads) {
                Workload w = r.workload;
                double tokens = w.countedTokens(newTokens);
                double flops = m.flops.workload(w, newTokens);
                double to = median(r.oursTimes);
                double th = median(r.hfTimes);
                b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        m.name, w.name(), shape(w), w.reps() + (r.discarded > 0 ? " (" + r.discarded + " redone)" : ""), num(tokens / to), num(tokens / th), ratio(th / to),
                        gflops(flops / to), gflops(flops / th), ResultCheck.cell(r), pct(r.foreignShare)));
            }
        }
        b.append('\n');
        for (ModelResult m : models) {
            ModelFlops f = m.flops;
            // a classifier computes no lm_head: its per-token work is the decoder layers alone
            boolean classifier = m.workloads.stream().anyMatch(r -> r.workload.kind() == Workload.Kind.CLASSIFY);
            String head = classifier ? "classification head, no lm_head"
                    : String.format(Locale.ROOT, "lm_head V*d %.1fM", f.lmHeadParams() / 1e6);
            b.append(String.format(Locale.ROOT, "- %s: %s, %d layers, d=%d, vocab %d; params %s (transformers' count),"
                    + " P_dense %.1fM, %s; %.0f MFLOP/token + attention; load: ours %d ms, transformers"
                    + " %.1f s%n", m.name, m.config.modelType(), m.config.numLayers(), m.config.hiddenSize(),
                    m.config.vocabSize(), m.hfParams > 0 ? String.format(Locale.ROOT, "%.1fM", m.hfParams / 1e6) : "?",
                    f.denseParams() / 1e6, head, (classifier ? 2.0 * f.denseParams() : f.perTokenDense()) / 1e6,
                    m.oursLoadMs, m.hfLoadSeconds));
        }
        b.append("- FLOPs: ").append(ModelFlops.FORMULA).append('\n');
        b.append("- generate b8: our engine has no batched generation yet, so it runs the 8 prompts one after another;"
                + " transformers runs one batched `generate` with left padding.\n");
        b.append("- score b32: both engines run the same sub-batches (our Scorer's split: sorted by length, logits of"
                + " a sub-batch <= 1 GiB), right-padded to the longest prompt of each sub-batch.\n\n");

        for (ModelResult m : models) {
            if (m.profile != null) {
                profileMarkdown(b, m);
            }
        }
        if (micro != null) {
            microMarkdown(b);
        }
        return b.toString();
    }

    private void profileMarkdown(StringBuilder b, ModelResult m) {
        Profile p = m.profile;
        WorkloadResult main = m.workloads.stream().filter(r -> r.workload == p.workload).findFirst().orElseThrow();
        double[] score = {median(main.oursTimes), median(main.hfTimes)};
        b.append("## Profile: ").append(m.name).append(", ").append(p.workload.name()).append(" (one run each)\n\n");
        b.append(String.format(Locale.ROOT, "Positions: %d real; %d computed in the Scorer's sub-batches %s (sorted by"
                + " length; %.0f%% padding, attention score cells %.0f%% padding); in input order (the Scorer before it"
                + " sorted) %d in %s (%.0f%% padding).%n%n",
                p.realPositions, p.paddedPositions, p.subBatches, 100.0 * (p.paddedPositions - p.realPositions)
                        / p.paddedPositions, 100.0 * (p.paddedAttentionCells - p.realAttentionCells) / p.paddedAttentionCells,
                p.inputOrderPaddedPositions, p.inputOrderSubBatches,
                100.0 * (p.inputOrderPaddedPositions - p.realPositions) / p.inputOrderPaddedPositions));
        b.append("| part | ours s | transformers s | ours/transformers speed |\n|---|---:|---:|---:|\n");
        double[] body = p.rows.get("body");
        row(b, "decoder layers (forward keeping the logits of the last position only)", body);
        if (p.oursSplit != null) {
            double[] hfSplit = p.hfSplit != null ? p.hfSplit : new double[] {Double.NaN, Double.NaN};
            row(b, "lm_head over all positions (forward with all logits − the above)",
                    new double[] {p.oursSplit[0] - body[0], hfSplit[0] - body[1]});
            row(b, String.format(Locale.ROOT, "post-processing as each engine does it (ours: the Scorer's %d-row chunks ="
                    + " 4 MB; transformers: one chunk per sequence), timed in the same run as the forward",
                    p.chunkRows[0]), new double[] {p.oursSplit[1], hfSplit[1]});
            for (int v = 1; v < p.chunkRows.length; v++) {
                String what = p.chunkRows[v] == Integer.MAX_VALUE ? "one chunk per sequence"
                        : p.chunkRows[v] + "-row chunks";
                row(b, "ours' post-processing loop with " + what + " (same logits, bench-side replica)",
                        new double[] {p.oursSplit[1 + v], Double.NaN});
            }
        }
        row(b, "**score, as in the table**", score);
        if (p.rows.containsKey("input_order")) {
            row(b, "score with sub-batches in input order (the Scorer before it sorted; ours: forward + its"
                    + " post-processing loop, replayed)", p.rows.get("input_order"));
        }
        if (p.rows.containsKey("unpadded")) {
            row(b, "score, one prompt at a time (no padding)", p.rows.get("unpadded"));
        }
        if (p.rows.containsKey("eager")) {
            double[] e = p.rows.get("eager");
            b.append(String.format(Locale.ROOT, "| transformers with `attn_implementation=\"eager\"` (materialised"
                    + " attention scores, like ours) | - | %s | - |%n", sec(e[1])));
        }
        if (p.batchedGeneration != null) {
            WorkloadResult g = p.batchedGeneration;
            WorkloadResult seq = m.workloads.stream().filter(r -> r.workload == g.workload).findFirst().orElseThrow();
            double tokens = g.workload.countedTokens(newTokens);
            b.append(String.format(Locale.ROOT, "%n%s: ours (Generator, one prompt after the other) %s tok/s; ours batched"
                    + " (a bench-side prototype: one left-padded batch and one KV cache through `CausalLanguageModel.forward`)"
                    + " %s tok/s (%s vs the Generator's tokens); transformers' batched generate %s tok/s.%n",
                    g.workload.name(), num(tokens / median(seq.oursTimes)), num(tokens / median(g.oursTimes)),
                    ResultCheck.cell(g),
                    num(tokens / median(seq.hfTimes))));
        }
        b.append(String.format(Locale.ROOT, "%nOthers' CPU during the profile: %s.%n%n", pct(p.foreignShare)));
    }

    private void microMarkdown(StringBuilder b) {
        Micro m = micro;
        b.append("## Micro-benchmarks (same libtorch builds as the engines)\n\n");
        b.append("| GEMM y = x W^T, x [m,k], W [n,k] | ours GFLOP/s | transformers' torch GFLOP/s | ours/torch |\n");
        b.append("|---|---:|---:|---:|\n");
        for (Gemm g : m.gemms) {
            b.append(String.format(Locale.ROOT, "| m=%d k=%d n=%d | %s | %s | %s |%n", g.m(), g.k(), g.n(),
                    num(g.flops() / g.oursSeconds() / 1e9), num(g.flops() / g.hfSeconds() / 1e9),
                    ratio(g.hfSeconds() / g.oursSeconds())));
        }
        double k = m.activationCallsPerB32;
        b.append('\n');
        if (m.activationShape != null) {
            b.append(String.format(Locale.ROOT, "- GELU_NEW on [%d, %d] (the MLP activation of the largest sub-batch of score"
                + " b32; x %.1f for all of score b32, in brackets): ours today (Activation.GELU_NEW, element-wise JNI ops) %.1f ms"
                + " (%.2f s); bench-side alternatives through the same JNI: the tanh form with x*x instead of pow %.1f ms"
                + " (%.2f s, max |diff| %.1e), x*sigmoid(x*(2c+2c*0.044715*x^2)) %.1f ms (%.2f s, max |diff| %.1e);"
                + " one kernel: ours exact erf GELU %.1f ms (%.2f s), torch gelu(approximate=\"tanh\") %.1f ms (%.2f s);"
                + " transformers' NewGELUActivation (what its GPT-2 runs) %.1f ms (%.2f s)%n",
                m.activationShape[0], m.activationShape[1], k, m.geluNewOurs * 1e3, m.geluNewOurs * k,
                m.geluAlternatives[0] * 1e3, m.geluAlternatives[0] * k, m.geluAlternatives[2],
                m.geluAlternatives[1] * 1e3, m.geluAlternatives[1] * k, m.geluAlternatives[3],
                m.geluExactOurs * 1e3, m.geluExactOurs * k, m.geluTanhHf * 1e3, m.geluTanhHf * k,
                m.geluNewHf * 1e3, m.geluNewHf * k));
        }
        if (m.attentionShape != null) {
            b.append(String.format(Locale.ROOT, "- attention core (scores, mask, softmax, probs.v) of all %d layers x %d"
                    + " right-padded sub-batches of score b32 (largest: B=%d H=%d T=%d D=%d): ours (materialised scores +"
                    + " additive mask + softmax, replayed through DJL) %.2f s; torch eager, same ops %.2f s; torch"
                    + " scaled_dot_product_attention %.2f s%n", m.layers, m.attentionSubBatches,
                    m.attentionShape[0], m.attentionShape[1], m.attentionShape[2], m.attentionShape[3],
                    m.attentionOurs, m.attentionEagerHf, m.attentionSdpaHf));
        }
        b.append(String.format(Locale.ROOT, "- per-op overhead (in-place add on 1-element tensors): ours %.2f µs per JNI"
                + " call, torch from Python %.2f µs per op%n", m.tinyOpOurs * 1e6, m.tinyOpHf * 1e6));
        if (m.overhead != null) {
            double o = median(m.overhead.oursTimes) / newTokens * 1e3;
            double h = median(m.overhead.hfTimes) / newTokens * 1e3;
            b.append(String.format(Locale.ROOT, "- decode overhead: %s (GPT-2's 12 layers at d=64, compute negligible),"
                    + " generate b1: ours %.2f ms per new token, transformers %.2f ms (ours/transformers speed %s, %s)%n",
                    m.overheadModel, o, h, ratio(h / o), ResultCheck.cell(m.overhead)));
        }
        b.append('\n');
    }

    private static void row(StringBuilder b, String label, double[] v) {
        if (v == null) {
            return;
        }
        b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", label, sec(v[0]), sec(v[1]), ratio(v[1] / v[0])));
    }

    private static String shape(Workload w) {
        return w.batch() == 1 ? "1 x " + w.maxLength() : w.batch() + " x " + w.minLength() + ".." + w.maxLength();
    }

    String gflops(double gflopsTimes1e9) {
        double g = gflopsTimes1e9 / 1e9;
        if (Double.isNaN(g) || Double.isInfinite(g)) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.1f (%.0f%%)", g, 100 * g / machinePeak());
    }

    ObjectNode json() {
        return ReportJson.of(this);
    }
}
