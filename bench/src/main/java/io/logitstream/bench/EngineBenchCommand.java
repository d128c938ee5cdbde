package io.logitstream.bench;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench engine}: our engine and Hugging Face transformers on the same checkpoints and the
 * same token ids, in one run. The Python side is a child process; repetitions alternate between
 * the two (ABBA order) so that both see the same machine state. Prints a table and writes it, with
 * the raw numbers as JSON, under {@code bench/results/}.
 */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = {
            "Our engine vs Hugging Face transformers (fp32, CPU) on ~100M-parameter checkpoints with random weights:",
            "SCORE throughput (batch 1; batch of 32 prompts of 16..512 tokens) and GENERATE throughput (batch 1;"
                    + " batch 8; greedy, fixed new tokens), achieved GFLOP/s against the measured fp32 matmul peak,"
                    + " and a profile of where the time goes. A full run takes ~15 min on 2 cores, --quick ~4 min."})
public final class EngineBenchCommand implements Callable<Integer> {
    static final String OVERHEAD_MODEL = "gpt2-overhead";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--quick", description = "One repetition per workload, no profile (~4 min).")
    boolean quick;

    @Option(names = "--models", split = ",", paramLabel = "NAME",
            description = "Checkpoints to bench (default: those of gpt2-124m,qwen2-98m that the engine supports;"
                    + " gpt2-overhead, GPT-2's 12 layers at d=64, makes a fast smoke test; glm-101m, transformers'"
                    + " GlmForCausalLM at ~100M, only when named).")
    List<String> models;

    @Option(names = "--reps", paramLabel = "N", description = "Repetitions of every workload (default: 5/3/5/2,"
            + " --quick 2/1/2/1 for score b1 / score b32 / generate b1 / generate b8).")
    Integer reps;

    @Option(names = "--new-tokens", defaultValue = "32", paramLabel = "N",
            description = "New tokens per generated sequence (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--top-k", defaultValue = "5", paramLabel = "K",
            description = "Alternatives per scored position (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--seed", defaultValue = "20240611", description = "Seed of the token ids (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--profile", negatable = true,
            description = "Where the time goes (body / lm_head / post-processing, padding, sorted and unpadded"
                    + " batches, eager attention, GEMMs, activation, per-op overhead). Default: on, off with --quick.")
    Boolean profile;

    @Option(names = "--profile-all", description = "Profile every checkpoint (default: the first one fully, the others"
            + " not).")
    boolean profileAll;

    @Option(names = "--int8-report", description = "Instead of the comparison with transformers: what --weights int8"
            + " saves and costs on each checkpoint vs fp32 (tensor bytes by type, resident memory growth of the load"
            + " in a fresh JVM per mode, logit error, top-1 agreement, greedy identity and speed; no Python; the"
            + " checkpoints must exist under --work-dir/models, made by an earlier bench engine run).")
    boolean int8Report;

    @Mixin
    BenchOptions common;

    @Spec
    CommandSpec spec;

    private final PrintStream log = System.err;

    @Override
    public Integer call() throws Exception {
        Path root = BenchSetup.projectRoot();
        Path work = common.workDir(root);
        boolean doProfile = profile != null ? profile : !quick;
        double waitQuiet = common.waitQuiet(quick);
        int nThreads = common.threads();
        Workloads.Reps repPlan = reps != null ? Workloads.Reps.all(reps) : quick ? Workloads.Reps.quick()
                : Workloads.Reps.full();
        if (newTokens < 2 || topK < 0) {
            throw new IllegalArgumentException("--new-tokens must be >= 2 and --top-k >= 0");
        }
        long started = System.nanoTime();
        ZonedDateTime now = ZonedDateTime.now();

        // --- which checkpoints: the ones asked for that the engine supports
        BenchModels.Selection selection = BenchModels.select(models != null ? models : BenchModels.DEFAULT_MODELS, log);
        List<String> benched = selection.benched();
        List<String> skipped = selection.skipped();
        if (benched.isEmpty()) {
            throw new IllegalArgumentException("nothing to bench: " + skipped);
        }

        if (int8Report) {
            OurEngine.configureThreads(nThreads, 1);
            String md = "# bench engine" + BenchSetup.argsString(BenchSetup.commandArgs(spec)) + "\n\n"
                    + new Int8Report(quick ? 2 : 4, 64, newTokens, seed, log).run(Int8Report.modelDirs(work, benched));
            BenchSetup.writeResults(common.resultsDir(root), "int8", now, quick, md,
                    JSON.writeValueAsString(Map.of("markdown", md)), (System.nanoTime() - started) / 1e9,
                    spec.commandLine().getOut());
            return 0;
        }

        // --- threads (before the engine starts), venv, checkpoints
        int[] ourThreads = OurEngine.configureThreads(nThreads, 1);
        log.printf("our engine: PyTorch %s through DJL %s, %d intra-op / %d inter-op threads%n",
                Engine.getEngine("PyTorch").getVersion(), Engine.getDjlVersion(), ourThreads[0], ourThreads[1]);
        Path python = PythonReference.ensureVenv(common.venvDir(root), common.bootstrapPython, log);
        Map<String, String> env = BenchSetup.pythonEnv(nThreads);
        List<String> toMake = new ArrayList<>(benched);
        if (doProfile && !toMake.contains(OVERHEAD_MODEL)) {
            toMake.add(OVERHEAD_MODEL);
        }
        BenchModels.make(python, root, work.resolve("models"), toMake, env, log);

        List<Workload> workloads = Workloads.create(seed, repPlan);
        Report report = new Report(now, nThreads, quick, doProfile, seed, newTokens, topK, BenchSetup.commandArgs(spec));
        report.skipped.addAll(skipped);
        report.oursThreads = ourThreads;
        report.djlVersion = Engine.getDjlVersion();
        report.libtorchVersion = Engine.getEngine("PyTorch").getVersion();

        PythonReference hf = null;
        try {
            List<Long> pids = new ArrayList<>(List.of(ProcessHandle.current().pid()));
            if (!common.noReference) {
                hf = PythonReference.start(python, root.resolve("bench/python/hf_bench.py"), env, common.verbose, log);
                pids.add(hf.pid());
                ObjectNode th = PythonReference.request("threads");
                th.put("intra_op", nThreads);
                th.put("inter_op", 1);
                hf.call(th);
                report.hfInfo = hf.call(PythonReference.request("info"));
            }
            EngineBench bench = new EngineBench(hf, new CpuMonitor(pids), waitQuiet, topK, newTokens, log);
            CpuMonitor.Sample runStart = bench.monitor.sample();

            // --- machine peak: fp32 2048^2 matmul, both libtorch builds
            log.println("fp32 matmul peak (2048 x 2048) ...");
            double oursMm = OurEngine.matmulSeconds(2048, 10);
            report.peakOurs = 2.0 * Math.pow(2048, 3) / oursMm / 1e9;
            if (hf != null) {
                ObjectNode mm = PythonReference.request("matmul");
                mm.put("n", 2048);
                mm.put("reps", 10);
                report.peakHf = hf.call(mm).path("gflops").asDouble();
            }
            log.printf("  DJL/libtorch %.1f GFLOP/s, torch %.1f GFLOP/s%n", report.peakOurs, report.peakHf);

            for (int mi = 0; mi < benched.size(); mi++) {
                String name = benched.get(mi);
                Path dir = work.resolve("models").resolve(name);
                // a classifier has no LM head: its own workloads, and the profile (of the LM path) does not apply
                boolean classifier = BenchModels.isClassifier(name);
                report.models.add(bench.runModel(name, dir, classifier ? Workloads.forClassifier(workloads) : workloads,
                        !classifier && doProfile && (mi == 0 || profileAll), mi == 0));
            }
            if (doProfile && !BenchModels.isClassifier(benched.get(0))) {
                report.micro = bench.micro(work.resolve("models").resolve(OVERHEAD_MODEL), report.models.get(0));
            }
            report.foreignShare = CpuMonitor.foreignShare(runStart, bench.monitor.sample());
        } finally {
            if (hf != null) {
                hf.close();
            }
        }
        report.wallSeconds = (System.nanoTime() - started) / 1e9;

        BenchSetup.writeResults(common.resultsDir(root), "engine", now, quick, report.markdown(),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.json()), report.wallSeconds,
                spec.commandLine().getOut());
        return 0;
    }
}
