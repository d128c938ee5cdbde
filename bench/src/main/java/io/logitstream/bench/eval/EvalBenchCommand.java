package io.logitstream.bench.eval;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.bench.BenchModels;
import io.logitstream.bench.BenchOptions;
import io.logitstream.bench.BenchSetup;
import io.logitstream.bench.CpuMonitor;
import io.logitstream.bench.PythonReference;
import io.logitstream.bench.serve.AppProcess;
import io.logitstream.bench.serve.KafkaLink;
import io.logitstream.bench.serve.Resources;
import io.logitstream.bench.serve.ServeStack;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench eval}: evaluation-shaped workloads (MMLU-shaped: a shared 5-shot prefix and single-token
 * answers; HellaSwag-shaped: multi-token endings) as CHOICE requests through the real Kafka path, side by side
 * in one run with lm-evaluation-harness's own {@code hf} backend and with transformers scoring every pair from
 * scratch, on the same checkpoint; plus a chat session's second turn with and without {@code session_id}.
 * Prints the tables and writes them, with the raw numbers, under {@code bench/results/eval-*}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {
            "Evaluation workloads through Kafka (CHOICE requests, topology + worker processes on a private local stack)"
                    + " vs lm-evaluation-harness's hf backend vs transformers from scratch: throughput, per-choice"
                    + " loglikelihood agreement, accuracy agreement, cached/computed tokens; and a chat session's second"
                    + " turn with and without session_id.",
            "--quick: 30 items per workload, 3 conversations."})
public final class EvalBenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--quick", description = "30 items per workload and 3 conversations (unless given).")
    boolean quick;

    @Option(names = "--models", split = ",", paramLabel = "NAME",
            description = "Bench checkpoints (random weights) to evaluate (default gpt2-124m).")
    List<String> models;

    @Option(names = "--model", paramLabel = "DIR", description = "A checkpoint folder instead (repeatable).")
    List<Path> modelDirs;

    @Option(names = "--items", paramLabel = "N", description = "Items per workload (default 100; --quick 30).")
    Integer items;

    @Option(names = "--window", defaultValue = "32", paramLabel = "N",
            description = "Our CHOICE requests in flight at most (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--lm-eval-batch-sizes", split = ",", defaultValue = "1,8", paramLabel = "N",
            description = "Batch sizes of lm-eval's HFLM, one run each; the first is the reference for agreement"
                    + " (default ${DEFAULT-VALUE}: lm-eval's default 1, and 8).")
    List<Integer> lmEvalBatchSizes;

    @Option(names = "--mmlu-prefix-tokens", defaultValue = "400", paramLabel = "N",
            description = "Tokens of the MMLU-shaped shared 5-shot prefix (default ${DEFAULT-VALUE}).")
    int mmluPrefixTokens;

    @Option(names = "--hellaswag-context-tokens", defaultValue = "100", paramLabel = "N",
            description = "Tokens of a HellaSwag-shaped context (default ${DEFAULT-VALUE}).")
    int hellaswagContextTokens;

    @Option(names = "--conversations", paramLabel = "N",
            description = "Chat conversations per mode (default 5; --quick 3; 0: no session workload).")
    Integer conversations;

    @Option(names = "--history-tokens", defaultValue = "500", paramLabel = "N",
            description = "Tokens of a conversation's first turn (default ${DEFAULT-VALUE}).")
    int historyTokens;

    @Option(names = "--turn-tokens", defaultValue = "20", paramLabel = "N",
            description = "New tokens of the second turn (default ${DEFAULT-VALUE}).")
    int turnTokens;

    @Option(names = "--session-new-tokens", defaultValue = "4", paramLabel = "N",
            description = "max_new_tokens of every chat turn (default ${DEFAULT-VALUE}).")
    int sessionNewTokens;

    @Option(names = "--seed", defaultValue = "20240611", description = "Seed of the workloads (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--timeout", defaultValue = "900", paramLabel = "SECONDS",
            description = "Longest wait for our answers to one workload (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Mixin
    BenchOptions common;

    @Spec
    CommandSpec spec;

    private final PrintStream log = System.err;

    @Override
    public Integer call() throws Exception {
        Path root = BenchSetup.projectRoot();
        Path work = common.workDir(root);
        Path evalWork = work.resolve("eval");
        int threads = common.threads();
        long started = System.nanoTime();
        ZonedDateTime now = ZonedDateTime.now();
        String runTag = "bench-eval-" + now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        int convs = conversations != null ? conversations : quick ? 3 : 5;
        EvalReport.Plan plan = new EvalReport.Plan(items != null ? items : quick ? 30 : 100, window,
                List.copyOf(lmEvalBatchSizes), mmluPrefixTokens, hellaswagContextTokens, convs <= 0 ? null
                        : new SessionBench.Plan(convs, historyTokens, turnTokens, sessionNewTokens, seed),
                seed, threads, quick);
        EvalReport report = new EvalReport(now, BenchSetup.commandArgs(spec), plan);
        BenchModels.Served served = BenchModels.resolve(models, modelDirs, BenchModels.DEFAULT_MODELS.subList(0, 1),
                work.resolve("models"), log);
        report.skipped.addAll(served.skipped());

        report.djlVersion = Engine.getDjlVersion();
        report.libtorchVersion = Engine.getEngine("PyTorch").getVersion();
        Map<String, String> env = pythonEnv(threads, evalWork);
        Path python = null;
        if (common.reference() || !served.toMake().isEmpty()) {
            python = PythonReference.ensureVenv(common.venvDir(root), common.bootstrapPython(), log);
            BenchModels.make(python, root, work.resolve("models"), served.toMake(), env, log);
        }
        if (common.reference()) {
            LmEvalInstall.ensure(python, env, log);
        }

        Path logs = work.resolve("eval-logs");
        CpuMonitor monitor = new CpuMonitor(List.of(ProcessHandle.current().pid()));
        try (Resources open = new Resources()) {
            log.println("starting the Kafka stack ...");
            ServeStack stack = open.add(ServeStack.startLocal(root, work.resolve("eval-stack"), log));
            stack.pids().forEach(monitor::watch);
            report.stack = stack.describe();
            ReferenceSides reference = null;
            if (common.reference()) {
                PythonReference ref = open.add(PythonReference.start(python,
                        root.resolve("bench/python/eval_reference.py"), env, common.verbose(), log));
                monitor.watch(ref.pid());
                ObjectNode th = PythonReference.request("threads");
                th.put("intra_op", threads);
                th.put("inter_op", 1);
                ref.call(th);
                report.pythonInfo = ref.call(PythonReference.request("info"));
                reference = new ReferenceSides(ref, evalWork, monitor);
            }
            AppProcess topology = open.add(AppProcess.topology(root, logs, stack, new ArrayList<>(served.dirs().keySet())));
            monitor.watch(topology.pid());
            KafkaLink link = open.add(new KafkaLink(stack.bootstrap(), stack.registryUrl()));
            EvalModelRun run = new EvalModelRun(new EvalModelRun.Context(root, logs, stack, link, reference, monitor, open,
                    plan, runTag, Duration.ofSeconds(timeoutSeconds), common.waitQuiet(quick), log));
            CpuMonitor.Sample runStart = monitor.sample();
            for (Map.Entry<String, Path> m : served.dirs().entrySet()) {
                report.models.add(run.run(m.getKey(), m.getValue()));
            }
            report.foreignShare = CpuMonitor.foreignShare(runStart, monitor.sample());
        }
        report.wallSeconds = (System.nanoTime() - started) / 1e9;
        BenchSetup.writeResults(common.resultsDir(root), "eval", now, quick, report.markdown(),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.json()), report.wallSeconds,
                spec.commandLine().getOut());
        return 0;
    }

    /** The bench's Python environment, offline for datasets too, with the datasets cache under the work folder. */
    static Map<String, String> pythonEnv(int threads, Path evalWork) {
        Map<String, String> env = new LinkedHashMap<>(BenchSetup.pythonEnv(threads));
        env.put("HF_DATASETS_OFFLINE", "1");
        env.put("HF_DATASETS_CACHE", evalWork.resolve("hf-datasets").toString());
        env.put("HF_HOME", evalWork.resolve("hf-home").toString());
        return env;
    }
}
