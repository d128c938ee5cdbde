package io.logitstream.bench.serve;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.bench.BenchModels;
import io.logitstream.bench.BenchOptions;
import io.logitstream.bench.BenchSetup;
import io.logitstream.bench.CpuMonitor;
import io.logitstream.bench.OurEngine;
import io.logitstream.bench.PythonReference;
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
 * {@code bench serve}: the serving core measured through the real Kafka path (local broker and
 * registry, the topology and a worker as their own processes), against the same executor alone in
 * this JVM and transformers' batched generate, in one run. Prints the tables and writes them, with
 * the raw numbers as JSON, under {@code bench/results/serve-*}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {
            "The serving core through Kafka (topology + worker processes on a private local stack) vs the engine alone"
                    + " vs transformers' batched generate: N concurrent GENERATEs (requests/s, new tokens/s, TTFT, TPOT)"
                    + " and a mixed load (long GENERATEs with a stream of short SCOREs), with the serving core's targets.",
            "A full run takes ~20 min on 2 cores, --quick a few minutes."})
public final class ServeBenchCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--quick", description = "One checkpoint, N = 1,8,32, shorter mixed load (a few minutes).")
    boolean quick;

    @Option(names = "--models", split = ",", paramLabel = "NAME",
            description = "Bench checkpoints (random weights) to serve (default gpt2-124m,qwen2-98m; --quick: the first).")
    List<String> models;

    @Option(names = "--model", paramLabel = "DIR",
            description = "A checkpoint folder to serve instead (repeatable), e.g. fixtures/models/tiny-gpt2 for a"
                    + " smoke run.")
    List<Path> modelDirs;

    @Option(names = "--concurrency", split = ",", paramLabel = "N",
            description = "Concurrent GENERATEs per workload (default 1,8,32,64; --quick 1,8,32).")
    List<Integer> concurrency;

    @Option(names = "--new-tokens", defaultValue = "32", paramLabel = "N",
            description = "max_new_tokens of the concurrent GENERATEs (default ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--long-requests", defaultValue = "8", paramLabel = "N",
            description = "Long GENERATEs of the mixed load (default ${DEFAULT-VALUE}).")
    int longRequests;

    @Option(names = "--long-new-tokens", paramLabel = "N",
            description = "max_new_tokens of the long GENERATEs (default 128; --quick 64).")
    Integer longTokens;

    @Option(names = "--scores", paramLabel = "N", description = "SCOREs of the mixed load (default 20; --quick 10).")
    Integer scores;

    @Option(names = "--score-interval-ms", defaultValue = "200", paramLabel = "MS",
            description = "One SCORE every this many ms (default ${DEFAULT-VALUE}).")
    long scoreIntervalMs;

    @Option(names = "--serving-config", paramLabel = "KEY=VALUE",
            description = "logitstream.serving.* settings of the serving core (the worker's --config file and the"
                    + " engine-alone executor); repeatable.")
    Map<String, String> servingConfig = new LinkedHashMap<>();

    @Option(names = "--seed", defaultValue = "20240611", description = "Seed of the token ids (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "Longest wait for the answers of one workload on one side (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Use this Kafka cluster instead of starting a private local stack (with"
                    + " --schema-registry-url); nothing else may route or serve the benched model names there.")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL", description = "Registry of the cluster given above.")
    String registryUrl;

    @Mixin
    BenchOptions common;

    @Spec
    CommandSpec spec;

    private final PrintStream log = System.err;

    @Override
    public Integer call() throws Exception {
        Path root = BenchSetup.projectRoot();
        Path work = common.workDir(root);
        int threads = common.threads();
        long started = System.nanoTime();
        ZonedDateTime now = ZonedDateTime.now();
        String runTag = "bench-" + now.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        ServeReport.Plan plan = new ServeReport.Plan(concurrency != null ? concurrency : quick ? List.of(1, 8, 32)
                : List.of(1, 8, 32, 64), newTokens, longRequests, longTokens != null ? longTokens : quick ? 64 : 128,
                scores != null ? scores : quick ? 10 : 20, scoreIntervalMs, seed, threads, quick, servingConfig);
        if ((bootstrapServers == null) != (registryUrl == null)) {
            throw new IllegalArgumentException("give both --bootstrap-servers and --schema-registry-url, or neither");
        }
        ServeReport report = new ServeReport(now, BenchSetup.commandArgs(spec), plan);

        // --- which checkpoints: folders given, else bench checkpoints the engine supports
        BenchModels.Served resolved = BenchModels.resolve(models, modelDirs, quick
                ? BenchModels.DEFAULT_MODELS.subList(0, 1) : BenchModels.DEFAULT_MODELS, work.resolve("models"), log);
        report.skipped.addAll(resolved.skipped());
        Map<String, Path> served = resolved.dirs();
        List<String> toMake = resolved.toMake();

        int[] ourThreads = OurEngine.configureThreads(threads, 1);
        report.djlVersion = Engine.getDjlVersion();
        report.libtorchVersion = Engine.getEngine("PyTorch").getVersion();
        log.printf("our engine: PyTorch %s through DJL %s, %d intra-op / %d inter-op threads%n", report.libtorchVersion,
                report.djlVersion, ourThreads[0], ourThreads[1]);
        Map<String, String> env = BenchSetup.pythonEnv(threads);
        Path python = null;
        if (common.reference() || !toMake.isEmpty()) {
            python = PythonReference.ensureVenv(common.venvDir(root), common.bootstrapPython(), log);
            BenchModels.make(python, root, work.resolve("models"), toMake, env, log);
        }

        Path logs = work.resolve("serve-logs");
        CpuMonitor monitor = new CpuMonitor(List.of(ProcessHandle.current().pid()));
        try (Resources open = new Resources()) {
            log.println("starting the Kafka stack ...");
            ServeStack stack = bootstrapServers != null ? ServeStack.external(bootstrapServers, registryUrl)
                    : ServeStack.startLocal(root, work.resolve("serve-stack"), log);
            open.add(stack);
            stack.pids().forEach(monitor::watch);
            report.stack = stack.describe();
            TransformersSide hf = null;
            if (common.reference()) {
                PythonReference ref = PythonReference.start(python, root.resolve("bench/python/hf_bench.py"), env,
                        common.verbose(), log);
                open.add(ref);
                monitor.watch(ref.pid());
                ObjectNode th = PythonReference.request("threads");
                th.put("intra_op", threads);
                th.put("inter_op", 1);
                ref.call(th);
                report.hfInfo = ref.call(PythonReference.request("info"));
                hf = new TransformersSide(ref, monitor, common.waitQuiet(quick));
            }
            AppProcess topology = topology(root, logs, stack, served.keySet());
            open.add(topology);
            monitor.watch(topology.pid());
            KafkaLink link = new KafkaLink(stack.bootstrap(), stack.registryUrl());
            open.add(link);
            LoadRunner runner = new LoadRunner(runTag, Duration.ofSeconds(timeoutSeconds), monitor,
                    common.waitQuiet(quick), log);
            ServeModelRun run = new ServeModelRun(new ServeModelRun.Context(root, logs, stack, link, hf, monitor, runner,
                    open, plan, log));
            CpuMonitor.Sample runStart = monitor.sample();
            for (Map.Entry<String, Path> m : served.entrySet()) {
                report.models.add(run.run(m.getKey(), m.getValue()));
            }
            report.foreignShare = CpuMonitor.foreignShare(runStart, monitor.sample());
            report.executor = report.models.get(0).executor;
        }
        report.wallSeconds = (System.nanoTime() - started) / 1e9;
        BenchSetup.writeResults(common.resultsDir(root), "serve", now, quick, report.markdown(),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.json()), report.wallSeconds,
                spec.commandLine().getOut());
        return 0;
    }

    /** {@code logitstream topology} routing the served names. */
    private static AppProcess topology(Path root, Path logs, ServeStack stack, Iterable<String> names) throws Exception {
        List<String> routed = new ArrayList<>();
        names.forEach(n -> routed.addAll(ServeModelRun.servedNames(n)));
        return AppProcess.topology(root, logs, stack, routed);
    }
}
