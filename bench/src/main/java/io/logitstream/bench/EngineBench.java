package io.logitstream.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.Activation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code bench engine}'s side-by-side runner: our engine and the transformers child process on the
 * same workloads, alternating repetitions (ABBA), with machine-load accounting; the profile and
 * the micro-benchmarks. Split out of {@link EngineBenchCommand}, which parses the options, sets
 * up the machine (threads, venv, checkpoints, the Python child) and writes the report.
 */
final class EngineBench {
    /** Wait before a workload until other processes use at most this share of the CPUs. */
    static final double QUIET_SHARE = 0.25;
    /** A repetition pair during which other processes used more than this share is measured again. */
    static final double RETRY_SHARE = 0.20;
    /** At most this many repeated pairs per workload (full runs only). */
    static final int MAX_RETRIES = 2;
    private static final ObjectMapper JSON = new ObjectMapper();

    final PythonReference hf;
    final CpuMonitor monitor;
    final double waitQuiet;
    private final int topK;
    private final int newTokens;
    private final PrintStream log;

    /**
     * @param hf        the transformers side (null: ours only)
     * @param waitQuiet seconds to wait at most for a quiet machine before a workload (0: do not wait, no retries)
     */
    EngineBench(PythonReference hf, CpuMonitor monitor, double waitQuiet, int topK, int newTokens, PrintStream log) {
        this.hf = hf;
        this.monitor = monitor;
        this.waitQuiet = waitQuiet;
        this.topK = topK;
        this.newTokens = newTokens;
        this.log = log;
    }

    Report.ModelResult runModel(String name, Path dir, List<Workload> workloads, boolean doProfile,
            boolean fullProfile) throws Exception {
        log.println("== " + name + " (" + dir + ")");
        Report.ModelResult mr = new Report.ModelResult(name, dir);
        ModelConfig cfg = ModelConfig.load(dir);
        mr.config = cfg;
        mr.flops = ModelFlops.of(cfg);
        try (OurEngine ours = OurEngine.load(dir)) {
            mr.oursLoadMs = ours.loadMillis();
            if (hf != null) {
                ObjectNode load = PythonReference.request("load");
                load.put("dir", dir.toString());
                load.put("attn", "sdpa");
                load.put("head", OurClassification.isClassifier(ours.loaded().model()) ? "classify" : "lm");
                JsonNode r = hf.call(load);
                mr.hfLoadSeconds = r.path("load_s").asDouble();
                mr.hfParams = r.path("params").asLong();
                mr.hfAttn = r.path("attn").asText();
            }
            for (Workload w : workloads) {
                mr.workloads.add(measure(w, ours));
            }
            if (doProfile) {
                mr.profile = profile(ours, workloads.get(1), fullProfile);
                if (fullProfile) {
                    mr.profile.batchedGeneration = batchedGeneration(ours, mr.workloads.get(3));
                }
            }
        }
        return mr;
    }

    Report.WorkloadResult measure(Workload w, OurEngine ours) throws Exception {
        double quiet = monitor.waitForQuiet(QUIET_SHARE, waitQuiet);
        log.printf("  %-12s batch %d, %d..%d tokens, %d reps%s ...%n", w.name(), w.batch(), w.minLength(),
                w.maxLength(), w.reps(), Double.isNaN(quiet) ? "" : String.format(" (others use %.0f%% CPU)",
                        100 * quiet));
        Report.WorkloadResult r = new Report.WorkloadResult(w);
        CpuMonitor.Sample s0 = monitor.sample();
        // warm-up: each side once on the warm-up prompts
        if (hf != null) {
            hfRun(w.kind(), w.warmupSeqs(), null);
        }
        oursRun(ours, w.kind(), w.warmupSeqs(), null);
        int retries = waitQuiet > 0 ? MAX_RETRIES : 0;
        for (int i = 0; i < w.reps(); i++) {
            // alternate the order (ABBA...) so that drifts hit both engines alike
            boolean hfFirst = i % 2 == 0;
            List<Double> o = new ArrayList<>();
            List<Double> h = new ArrayList<>();
            CpuMonitor.Sample a = monitor.sample();
            if (hfFirst && hf != null) {
                r.hfCheck = hfRun(w.kind(), w.seqs(), h);
            }
            r.oursCheck = oursRun(ours, w.kind(), w.seqs(), o);
            if (!hfFirst && hf != null) {
                r.hfCheck = hfRun(w.kind(), w.seqs(), h);
            }
            double foreign = CpuMonitor.foreignShare(a, monitor.sample());
            if (foreign > RETRY_SHARE && retries > 0) {
                // another process took a big share of the CPUs during this pair: measure it again
                retries--;
                r.discarded++;
                log.printf("    repetition %d discarded (others used %.0f%% CPU), again ...%n", i + 1, 100 * foreign);
                monitor.waitForQuiet(QUIET_SHARE, waitQuiet);
                i--;
                continue;
            }
            r.oursTimes.addAll(o);
            r.hfTimes.addAll(h);
        }
        r.foreignShare = CpuMonitor.foreignShare(s0, monitor.sample());
        log.printf("    ours %.3f s, transformers %s (median)%n", Fmt.median(r.oursTimes),
                hf == null ? "-" : String.format("%.3f s", Fmt.median(r.hfTimes)));
        return r;
    }

    Object oursRun(OurEngine ours, Workload.Kind kind, List<int[]> seqs, List<Double> times) {
        long t0 = System.nanoTime();
        Object check = switch (kind) {
            case SCORE -> ours.score(seqs, topK);
            case GENERATE -> ours.generate(seqs, newTokens);
            case CLASSIFY -> OurClassification.classify(ours.loaded().model(), seqs);
        };
        if (times != null) {
            times.add((System.nanoTime() - t0) / 1e9);
        }
        return check;
    }

    JsonNode hfRun(Workload.Kind kind, List<int[]> seqs, List<Double> times) throws IOException {
        return hfRun(kind, seqs, times, Map.of());
    }

    JsonNode hfRun(Workload.Kind kind, List<int[]> seqs, List<Double> times, Map<String, Object> extra)
            throws IOException {
        ObjectNode req = PythonReference.request("run");
        ObjectNode w = req.putObject("workload");
        w.put("kind", kind.name().toLowerCase(Locale.ROOT));
        w.set("seqs", PythonReference.idsJson(seqs));
        extra.forEach((k, v) -> w.set(k, JSON.valueToTree(v)));
        req.put("top_k", topK);
        req.put("new_tokens", newTokens);
        req.put("budget", Batching.LOGITS_BUDGET_BYTES);
        req.put("reps", 1);
        req.put("warmup", 0);
        JsonNode r = hf.call(req);
        if (times != null) {
            times.add(r.path("times_s").get(0).asDouble());
        }
        return r.path("check");
    }

    /**
     * One paired measurement (seconds): transformers (the score workload with {@code hfWorkload}'s
     * options; null: none), then ours (null: none). Measured again once if another process took
     * a big share of the CPUs meanwhile.
     */
    double[] pair(Supplier<Double> oursSeconds, Map<String, Object> hfWorkload, List<int[]> seqs)
            throws IOException, InterruptedException {
        double[] r = new double[2];
        for (int attempt = 0; ; attempt++) {
            CpuMonitor.Sample a = monitor.sample();
            r[1] = Double.NaN;
            if (hf != null && hfWorkload != null) {
                List<Double> t = new ArrayList<>();
                hfRun(Workload.Kind.SCORE, seqs, t, hfWorkload);
                r[1] = t.get(0);
            }
            r[0] = oursSeconds == null ? Double.NaN : oursSeconds.get();
            double foreign = CpuMonitor.foreignShare(a, monitor.sample());
            if (!(foreign > RETRY_SHARE) || attempt >= 1 || waitQuiet <= 0) {
                return r;
            }
            log.printf("    discarded (others used %.0f%% CPU), again ...%n", 100 * foreign);
            monitor.waitForQuiet(QUIET_SHARE, waitQuiet);
        }
    }

    Report.Profile profile(OurEngine ours, Workload batch, boolean full) throws Exception {
        monitor.waitForQuiet(QUIET_SHARE, waitQuiet);
        CpuMonitor.Sample s0 = monitor.sample();
        Report.Profile p = new Report.Profile(batch);
        List<int[]> seqs = batch.seqs();
        long vocab = ours.loaded().model().vocabSize();
        List<List<int[]>> partition = Batching.splitLikeScorer(seqs, vocab, Batching.LOGITS_BUDGET_BYTES);
        List<List<int[]>> inputOrder = Batching.splitInOrder(seqs, vocab, Batching.LOGITS_BUDGET_BYTES);
        p.realPositions = Batching.realPositions(seqs);
        p.paddedPositions = Batching.paddedPositions(partition);
        p.inputOrderPaddedPositions = Batching.paddedPositions(inputOrder);
        p.subBatches = partition.stream().map(List::size).toList();
        p.inputOrderSubBatches = inputOrder.stream().map(List::size).toList();
        p.realAttentionCells = seqs.stream().mapToLong(s -> (long) s.length * s.length).sum();
        p.paddedAttentionCells = Batching.paddedAttentionCells(partition);

        log.println("  profile of " + batch.name() + ": layers / lm_head / post-processing / unsorted / unpadded ...");
        p.rows.put("body", pair(() -> time(() -> ours.forwardOnly(partition, false)), Map.of("mode", "body"), seqs));
        // forward with all logits and the post-processing, timed separately in the same run
        int scorerRows = (int) Math.max(1, OurEngine.SCORER_CHUNK_BYTES / (vocab * 4));
        p.chunkRows = new int[] {scorerRows, 128, Integer.MAX_VALUE};
        CpuMonitor.Sample a = monitor.sample();
        if (hf != null) {
            JsonNode split = hfRun(Workload.Kind.SCORE, seqs, null, Map.of("mode", "split"));
            p.hfSplit = new double[] {split.path("forward_s").asDouble(), split.path("post_s").asDouble()};
        }
        p.oursSplit = ours.scoreSplit(partition, topK, p.chunkRows);
        p.splitForeignShare = CpuMonitor.foreignShare(a, monitor.sample());
        if (full) {
            // the Scorer before it sorted (4a68d91): sub-batches in input order; ours replayed on forward()
            int[] scorerChunk = {scorerRows};
            p.rows.put("input_order", pair(() -> {
                double[] t = ours.scoreSplit(inputOrder, topK, scorerChunk);
                return t[0] + t[1];
            }, Map.of("input_order", true), seqs));
            p.rows.put("unpadded", pair(() -> time(() -> ours.scoreUnpadded(seqs, topK)), Map.of("unpadded", true),
                    seqs));
            if (hf != null) {
                // transformers with eager attention (materialised scores, like our engine)
                ObjectNode load = PythonReference.request("load");
                load.put("dir", ours.loaded().dir().toString());
                load.put("attn", "eager");
                hf.call(load);
                hfRun(Workload.Kind.SCORE, seqs.subList(0, 2), null);
                p.rows.put("eager", pair(null, Map.of(), seqs));
            }
        }
        p.foreignShare = CpuMonitor.foreignShare(s0, monitor.sample());
        return p;
    }

    /** Our sequential generate b8 against the bench-side batched prototype (same prompts, same new tokens). */
    Report.WorkloadResult batchedGeneration(OurEngine ours, Report.WorkloadResult sequential) throws Exception {
        Workload w = sequential.workload();
        log.println("  profile of " + w.name() + ": batched greedy prototype on forward() ...");
        monitor.waitForQuiet(QUIET_SHARE, waitQuiet);
        Report.WorkloadResult r = new Report.WorkloadResult(w);
        CpuMonitor.Sample s0 = monitor.sample();
        ours.generateBatched(w.warmupSeqs(), newTokens);
        for (int i = 0; i < Math.max(1, Math.min(2, w.reps())); i++) {
            long t0 = System.nanoTime();
            r.oursCheck = ours.generateBatched(w.seqs(), newTokens);
            r.oursTimes.add((System.nanoTime() - t0) / 1e9);
        }
        r.foreignShare = CpuMonitor.foreignShare(s0, monitor.sample());
        // "same result" column: the prototype's tokens against our sequential Generator's
        r.hfCheck = JSON.valueToTree(sequential.oursCheck);
        r.hfTimes.addAll(sequential.hfTimes);
        return r;
    }

    Report.Micro micro(Path overheadModel, Report.ModelResult first) throws Exception {
        log.println("micro-benchmarks: GEMMs, activation, per-op overhead, decode step of a 12-layer d=64 model ...");
        Report.Micro m = new Report.Micro();
        ModelConfig c = first.config;
        int d = c.hiddenSize();
        int v = c.vocabSize();
        int inner = c.intermediateSize() != null ? c.intermediateSize() : 4 * d;
        int[][] shapes = {{512, d, v}, {512, d, 3 * d}, {512, d, inner}, {512, inner, d}, {1, d, v}, {1, d, inner}};
        for (int[] s : shapes) {
            double o = OurEngine.linearSeconds(s[0], s[1], s[2], s[0] == 1 ? 50 : 5);
            double h = Double.NaN;
            if (hf != null) {
                ObjectNode g = PythonReference.request("gemm");
                g.put("m", s[0]);
                g.put("k", s[1]);
                g.put("n", s[2]);
                g.put("reps", s[0] == 1 ? 50 : 5);
                h = hf.call(g).path("median_s").asDouble();
            }
            m.gemms.add(new Report.Gemm(s[0], s[1], s[2], o, h));
        }
        // shapes of score b32 as the Scorer runs it: its sub-batches, right-padded
        List<int[]> b32 = first.workloads.get(1).workload().seqs();
        List<List<int[]>> part = Batching.splitLikeScorer(b32, c.vocabSize(), Batching.LOGITS_BUDGET_BYTES);
        List<int[]> biggest = part.stream().max(java.util.Comparator.comparingLong(sub -> Batching.paddedPositions(
                List.of(sub)))).orElseThrow();
        int rows = (int) Batching.paddedPositions(List.of(biggest));
        int cols = inner;
        if (c.modelType().equals("gpt2")) {
            // GPT-2's gelu_new: the activation of the largest sub-batch; the others scale with positions
            m.activationShape = new int[] {rows, cols};
            m.activationCallsPerB32 = (double) Batching.paddedPositions(part) / rows * c.numLayers();
            m.geluNewOurs = OurEngine.activationSeconds(Activation.GELU_NEW, rows, cols, 7);
            m.geluExactOurs = OurEngine.activationSeconds(Activation.GELU, rows, cols, 7);
            m.geluAlternatives = OurEngine.geluAlternatives(rows, cols, 7);
            if (hf != null) {
                ObjectNode g = PythonReference.request("gelu");
                g.put("rows", rows);
                g.put("cols", cols);
                g.put("reps", 7);
                JsonNode gr = hf.call(g);
                m.geluTanhHf = gr.path("median_s").asDouble();
                m.geluNewHf = gr.path("transformers_gelu_new_s").asDouble();
            }
        }
        if (hf != null) {
            m.tinyOpHf = hf.call(PythonReference.request("tinyop")).path("seconds_per_op").asDouble();
        }
        // attention core of one layer for every sub-batch of score b32, summed, times the layers
        int hd = c.headDim();
        m.attentionOurs = 0;
        m.attentionEagerHf = 0;
        m.attentionSdpaHf = 0;
        for (List<int[]> sub : part) {
            int[] lens = sub.stream().mapToInt(x -> x.length).toArray();
            int t = Arrays.stream(lens).max().orElseThrow();
            if (sub == biggest) {
                m.attentionShape = new int[] {lens.length, c.numHeads(), t, hd};
            }
            m.attentionOurs += c.numLayers() * OurEngine.attentionSeconds(lens.length, c.numHeads(), t, hd, lens, 3);
            if (hf != null) {
                ObjectNode at = PythonReference.request("attention");
                at.put("b", lens.length);
                at.put("h", c.numHeads());
                at.put("t", t);
                at.put("d", hd);
                at.put("reps", 3);
                at.set("lens", JSON.valueToTree(lens));
                JsonNode ar = hf.call(at);
                m.attentionEagerHf += c.numLayers() * ar.path("eager_s").asDouble();
                m.attentionSdpaHf += c.numLayers() * ar.path("sdpa_s").asDouble();
            }
        }
        m.attentionSubBatches = part.size();
        m.layers = c.numLayers();
        m.tinyOpOurs = OurEngine.tinyOpSeconds(20000);

        // decode step of a model whose compute is negligible: per-op framework overhead
        Workload decode = new Workload("generate b1", Workload.Kind.GENERATE, first.workloads.get(2).workload().seqs(),
                5, first.workloads.get(2).workload().seqs());
        try (OurEngine ours = OurEngine.load(overheadModel)) {
            if (hf != null) {
                ObjectNode load = PythonReference.request("load");
                load.put("dir", overheadModel.toString());
                load.put("attn", "sdpa");
                hf.call(load);
            }
            m.overhead = measure(decode, ours);
            m.overheadModel = EngineBenchCommand.OVERHEAD_MODEL;
        }
        return m;
    }

    static double time(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }
}
