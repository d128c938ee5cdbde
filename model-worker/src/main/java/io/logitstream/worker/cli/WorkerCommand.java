package io.logitstream.worker.cli;

import io.logitstream.worker.engine.DeviceSelector;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.weights.WeightMode;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaClients;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.metrics.WorkerMetrics;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs one model worker: joins the model's consumer group and serves its requests until Ctrl-C. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Serve one model: consume llm.requests.<model>, publish llm.results and llm.tokens.")
public final class WorkerCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(WorkerCommand.class);
    /** The config property that chooses the weight mode when {@code --weights} is not given. */
    public static final String WEIGHTS_PROPERTY = "logitstream.worker.weights";

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face checkpoint folder (config.json, model.safetensors, tokenizer.json, ...).")
    Path modelDir;

    @Option(names = "--model-name", paramLabel = "NAME",
            description = "Name requests use to address this model (default: the folder's name).")
    String modelName;

    @Option(names = "--worker-id", paramLabel = "ID",
            description = "Unique id of this worker; keep it stable across restarts so a restarted worker fences"
                    + " its previous incarnation (default: host-pid).")
    String workerId;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu, gpu:N or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--weights", paramLabel = "MODE",
            description = "auto, float or int8: how linear layers hold their weights (default: the config property"
                    + " " + WEIGHTS_PROPERTY + ", else auto: as stored, int8 for a bitsandbytes 8-bit folder).")
    String weights;

    @Option(names = "--max-batch", defaultValue = "8", description = "Most records taken per poll (default"
            + " ${DEFAULT-VALUE}); the in-flight budget is logitstream.worker.max.inflight in --config (default 64),"
            + " the running batch logitstream.serving.*, the Prometheus port logitstream.worker.metrics.port"
            + " (default 9464; 0: any free port, off: none) (see the README).")
    int maxBatch;

    @Override
    public Integer call() throws Exception {
        var settings = kafka.settings();
        String mode = weights != null ? weights : settings.getOrDefault(WEIGHTS_PROPERTY, "auto");
        LoadedModel model = ModelLoader.load(modelDir, name(), DeviceSelector.resolve(device), WeightMode.parse(mode));
        log.info("Loaded {} ({}, {} layers, vocab {}) in {} ms, fingerprint {}", model.name(),
                model.config().modelType(), model.config().numLayers(), model.config().vocabSize(),
                model.loadMillis(), model.fingerprint().value());
        settings.put("logitstream.worker.max.batch", Integer.toString(maxBatch));
        String id = workerId != null ? workerId : defaultWorkerId();
        WorkerSettings workerSettings =
                WorkerSettings.of(kafka.bootstrapServers(), kafka.registryUrl(), model.name(), id, settings);
        TaskRouter router = new TaskRouter(model, id, TaskRouter.resultBytesFor(workerSettings.maxRecordBytes()));
        WorkerMetrics metrics = WorkerMetrics.start(settings, model.name());
        KafkaModelWorker worker = new KafkaModelWorker(workerSettings,
                metrics.instrument(new ServingScheduler(router, BatchBudgets.from(settings))),
                metrics.instrument(KafkaClients.of(workerSettings)));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close();
            metrics.close();
            model.close();
        }, "worker-shutdown"));
        worker.run();
        return worker.failed() ? 1 : 0;
    }

    private String name() {
        return modelName != null ? modelName : modelDir.toAbsolutePath().normalize().getFileName().toString();
    }

    /** host-pid: unique per process, readable in logs and in result provenance. */
    public static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
