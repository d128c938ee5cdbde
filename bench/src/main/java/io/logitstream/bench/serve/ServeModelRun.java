package io.logitstream.bench.serve;

import io.logitstream.bench.CpuMonitor;
import io.logitstream.worker.engine.DeviceSelector;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.task.RequestExecutor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bench serve} on one checkpoint: two worker processes (the serving core as configured, and
 * limited to one running sequence), the same executor in this JVM, and transformers; every
 * workload runs on every side, one side after the other.
 */
final class ServeModelRun {
    /** The key that limits the serving core to one sequence at a time. */
    static final String MAX_RUNNING = "logitstream.serving.max-running-sequences";
    /** Name under which the worker limited to one running sequence serves the same checkpoint. */
    static final String ONE_SUFFIX = "-c1";

    /** What every model run shares: the stack, the client, the Python side, the plan. */
    record Context(Path root, Path logs, ServeStack stack, KafkaLink link, TransformersSide hf, CpuMonitor monitor,
            LoadRunner runner, Resources resources, ServeReport.Plan plan, PrintStream log) {
    }

    private final Context c;

    ServeModelRun(Context c) {
        this.c = c;
    }

    /** The model names the topology must route for a checkpoint served as {@code name}. */
    static List<String> servedNames(String name) {
        return List.of(name, name + ONE_SUFFIX);
    }

    ServeResults run(String name, Path dir) throws Exception {
        c.log().println("== " + name + " (" + dir + ")");
        ModelConfig config = ModelConfig.load(dir);
        ServeResults results = new ServeResults(name, dir, config);
        ServeReport.Plan plan = c.plan();
        Map<String, String> one = new LinkedHashMap<>(plan.servingConfig());
        one.put(MAX_RUNNING, "1");
        List<AppProcess> workers = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            AppProcess worker = worker(name, dir, plan.servingConfig());
            workers.add(worker);
            AppProcess workerOne = worker(name + ONE_SUFFIX, dir, one);
            workers.add(workerOne);
            try (LoadedModel model = ModelLoader.load(dir, name, DeviceSelector.resolve("cpu"));
                    RequestExecutor executor = ServeExecutors.create(model, plan.servingConfig())) {
                results.engineLoadMillis = (System.nanoTime() - t0) / 1_000_000;
                results.executor = executor.getClass().getName();
                List<ServeTarget> sides = List.of(
                        c.link().target(name, ServeResults.KAFKA, worker::failure),
                        c.link().target(name + ONE_SUFFIX, ServeResults.KAFKA_ONE, workerOne::failure),
                        new ExecutorTarget(executor));
                ServeWorkloads w = ServeWorkloads.create(plan.seed(), plan.concurrency().stream()
                        .mapToInt(Integer::intValue).max().orElse(1), plan.longRequests(), plan.scores(),
                        config.vocabSize());
                if (c.hf() != null) {
                    c.hf().load(dir);
                    c.hf().warmup(w.warmupPrompts());
                }
                c.log().println("  warm-up (the Kafka sides: until the worker processes answer) ...");
                for (ServeTarget side : sides) {
                    c.runner().warmup(side, w.warmupPrompts(), 4);
                }
                for (int n : plan.concurrency()) {
                    List<int[]> prompts = w.concurrentPrompts().subList(0, n);
                    c.log().printf("  %d concurrent GENERATEs (%s tokens) ...%n", n, ServeWorkloads.lengths(prompts));
                    for (ServeTarget side : sides) {
                        results.add(n, c.runner().concurrent(side, prompts, plan.newTokens()));
                    }
                    if (c.hf() != null) {
                        results.add(n, c.hf().generate(prompts, plan.newTokens(), n));
                        if (n > 8) {
                            results.add(n, c.hf().generate(prompts, plan.newTokens(), 8));
                        }
                    }
                }
                c.log().printf("  mixed load: %d GENERATEs of %d new tokens, a SCORE every %d ms ...%n",
                        plan.longRequests(), plan.longTokens(), plan.scoreIntervalMs());
                for (ServeTarget side : sides) {
                    results.mixed.put(side.label(), c.runner().mixed(side, w.longPrompts(), plan.longTokens(),
                            w.scorePrompts(), plan.scoreIntervalMs()));
                }
            }
        } finally {
            for (AppProcess p : workers) {
                c.monitor().forget(p.pid());
                c.resources().close(p);
            }
        }
        return results;
    }

    /** {@code logitstream worker} serving {@code dir} as {@code modelName}, with {@code serving} in its --config file. */
    private AppProcess worker(String modelName, Path dir, Map<String, String> serving) throws IOException {
        AppProcess p = AppProcess.worker(c.root(), c.logs(), c.stack(), modelName, dir, c.plan().threads(), serving);
        c.resources().add(p);
        c.monitor().watch(p.pid());
        return p;
    }
}
