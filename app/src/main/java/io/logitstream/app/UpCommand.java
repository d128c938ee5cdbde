package io.logitstream.app;

import io.logitstream.contract.Topics;
import io.logitstream.gateway.Gateway;
import io.logitstream.gateway.GatewaySettings;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TokenChunk;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.topology.metrics.TopologyMetrics;
import io.logitstream.worker.cli.KafkaOptions;
import io.logitstream.worker.engine.DeviceSelector;
import io.logitstream.worker.engine.weights.WeightMode;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaClients;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.metrics.WorkerMetrics;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The main job on an embedded default: local broker and registry (unless an existing cluster is
 * given), the topology, one worker with a model, a few example requests whose results and
 * streamed tokens are printed as they arrive; then it keeps serving until Ctrl-C.
 */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start broker, registry, topology and a worker; send examples; serve until Ctrl-C.",
                "With --bootstrap-servers (or LOGITSTREAM_BOOTSTRAP_SERVERS) the given cluster and registry are used"
                        + " instead of starting local ones."})
public final class UpCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face checkpoint folder to serve (default: the bundled tiny test model).")
    Path modelDir;

    @Option(names = "--model-name", paramLabel = "NAME", description = "Name requests use (default: the folder's name).")
    String modelName;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu, gpu:N or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--weights", defaultValue = "auto", paramLabel = "MODE",
            description = "auto (default: as stored; int8 for a bitsandbytes 8-bit folder), float or int8 (linear"
                    + " weights quantized at load).")
    String weights;

    @Option(names = "--no-examples", description = "Do not send the example requests; just start and serve.")
    boolean noExamples;

    @Option(names = "--exit-after-examples", description = "Stop once the examples are answered (for scripts and smoke tests).")
    boolean exitAfterExamples;

    @Option(names = "--gateway-port", defaultValue = "8000",
            description = "Port of the OpenAI-compatible gateway (default ${DEFAULT-VALUE}).")
    int gatewayPort;

    @Option(names = "--no-gateway", description = "Do not start the OpenAI-compatible gateway.")
    boolean noGateway;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        Path root = LocalStack.root();
        Path dir = modelDir != null ? modelDir : root.resolve("fixtures/models/tiny-gpt2");
        boolean bundled = modelDir == null;
        long t0 = System.nanoTime();
        out.println("LogitStream: starting the local stack");
        LocalStack stack = new LocalStack(root);
        if (!usesExternalCluster()) {
            stack.up();
            kafka.set(KafkaOptions.DEFAULT_BOOTSTRAP, KafkaOptions.DEFAULT_REGISTRY);
        }
        String bootstrap = kafka.bootstrapServers();
        String registry = kafka.registryUrl();

        LoadedModel model = ModelLoader.load(dir, modelName != null ? modelName : dir.toAbsolutePath().normalize()
                .getFileName().toString(), DeviceSelector.resolve(device), WeightMode.parse(weights));
        Map<String, String> workerSettings = kafka.settings();
        Map<String, String> settings = kafka.settings();
        settings.put(TopologyConfig.MODELS_KEY, model.name());
        settings.putIfAbsent("state.dir", RunDirectory.streamsState().toString());
        settings.putIfAbsent("commit.interval.ms", "50");
        TopologyMetrics topologyMetrics = TopologyMetrics.start(settings);
        TopologyApp topology = new TopologyApp(TopologyConfig.from(settings), topologyMetrics).start();
        topology.awaitRunning(Duration.ofSeconds(60));

        String workerId = "local-" + ProcessHandle.current().pid();
        WorkerSettings workerConfig = WorkerSettings.of(bootstrap, registry, model.name(), workerId, workerSettings);
        TaskRouter router = new TaskRouter(model, workerId, TaskRouter.resultBytesFor(workerConfig.maxRecordBytes()));
        WorkerMetrics workerMetrics = WorkerMetrics.start(workerSettings, model.name());
        KafkaModelWorker worker = new KafkaModelWorker(workerConfig,
                workerMetrics.instrument(new ServingScheduler(router, BatchBudgets.from(workerSettings))),
                workerMetrics.instrument(KafkaClients.of(workerConfig)));
        Thread workerThread = new Thread(worker, "worker-" + model.name());
        workerThread.start();

        // The user's settings, without what was added for the topology above.
        Topics topics = Topics.from(workerSettings);
        KafkaEndpoint endpoint = KafkaEndpoint.of(bootstrap, registry, workerSettings);
        ExamplePrinter printer = new ExamplePrinter(out);
        OutputWatcher watcher = new OutputWatcher(endpoint, topics, false, Duration.ofSeconds(60), printer);
        Thread watcherThread = new Thread(watcher, "watch");
        watcherThread.setDaemon(true);
        watcherThread.start();

        Gateway gateway = noGateway ? null : startGateway(workerSettings, topology.queryPort());

        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("\nStopping: gateway, worker, topology, local stack...");
            if (gateway != null) {
                gateway.close();
            }
            watcher.close();
            worker.close();
            workerMetrics.close();
            topology.close();
            model.close();
            stack.close();
            stop.countDown();
        }, "up-shutdown"));

        out.printf("Ready in %.1f s: broker %s, registry %s, topology %s, worker %s serving '%s'%n",
                (System.nanoTime() - t0) / 1e9, bootstrap, registry, topology.state(), workerId, model.name());
        out.println("Prometheus metrics: topology " + topologyMetrics.url().map(Object::toString).orElse("off")
                + ", worker " + workerMetrics.url().map(Object::toString).orElse("off")
                + (gateway == null ? "" : ", gateway " + gateway.metricsUrl()));
        if (topology.queryPort() > 0) {
            out.println("Run summaries: http://localhost:" + topology.queryPort() + "/runs"
                    + (gateway == null ? "" : ", page " + gateway.url().resolve("/runs-ui")));
        }
        out.printf("Model %s (%s, %d layers, vocab %d), fingerprint %s%n", dir, model.config().modelType(),
                model.config().numLayers(), model.config().vocabSize(), model.fingerprint().value());
        if (bundled) {
            out.println("NOTE: this is the bundled tiny test model with RANDOM weights: its scores are real"
                    + " computations, its text is gibberish. Serve a real checkpoint with"
                    + " ./logitstream up --model /path/to/hf-model-folder");
        }
        if (!noExamples) {
            sendExamples(model.name(), endpoint, topics, printer);
        }
        out.println();
        out.println("Send your own requests from another terminal, for example:");
        out.println("  ./logitstream send --model " + model.name() + " --task GENERATE --text \"Once upon a time\""
                + " --max-new-tokens 20 --wait");
        out.println("  ./logitstream send --model " + model.name() + " --task SCORE --text \"The quick brown fox\""
                + " --top-logprobs 3 --wait");
        if (gateway != null) {
            out.println("  curl " + gateway.url() + "/completions -H 'Content-Type: application/json' -d '{\"model\": \""
                    + model.name() + "\", \"prompt\": \"Once upon a time\", \"max_tokens\": 16}'");
        }
        out.println("  ./logitstream runs                 # the summary of every run_id (./logitstream runs RUN for one)");
        out.println("Results, streamed tokens and dead letters are printed here as they arrive. Ctrl-C stops everything.");
        if (exitAfterExamples) {
            System.exit(0); // runs the shutdown hook
        }
        stop.await();
        return 0;
    }

    /**
     * The examples carry this run's suffix in their request ids: the topology drops a request id it
     * has routed before (within a day), so fixed ids would go unanswered on the next run.
     */
    static List<PromptRequest> examples(String model, String run) {
        return List.of(
                PromptRequest.newBuilder().setRequestId("example-score-" + run).setModel(model).setTask(Task.SCORE)
                        .setText("The quick brown fox jumps over the lazy dog.").setTopLogprobs(3).build(),
                PromptRequest.newBuilder().setRequestId("example-generate-" + run).setModel(model)
                        .setTask(Task.GENERATE)
                        .setText("Once upon a time")
                        .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(16).build()).build(),
                PromptRequest.newBuilder().setRequestId("example-choice-" + run).setModel(model).setTask(Task.CHOICE)
                        .setText("Question: Which is a fruit?\nAnswer:").setChoices(List.of(" apple", " car"))
                        .setGoldIndex(0).build(),
                PromptRequest.newBuilder().setRequestId("example-invalid-" + run).setModel(model)
                        .setTask(Task.GENERATE)
                        .setText("Hello").setGeneration(GenerationParams.newBuilder().setTopP(2f).build()).build());
    }

    private void sendExamples(String model, KafkaEndpoint endpoint, Topics topics, ExamplePrinter printer)
            throws Exception {
        List<PromptRequest> requests = examples(model, UUID.randomUUID().toString().substring(0, 8));
        out.println();
        try (RequestSender sender = new RequestSender(endpoint, topics.prompts(), Duration.ofSeconds(60))) {
            for (PromptRequest request : requests) {
                printer.expect(request.getRequestId());
                long sentAt = System.nanoTime();
                printer.sentAt(request.getRequestId(), sentAt);
                sender.send(request);
                out.printf("-> sent %-8s %s%n", request.getTask(), request.getRequestId());
            }
        }
        if (!printer.awaitAll(Duration.ofSeconds(120))) {
            out.println("!! Not every example was answered within 120 s; see the logs above.");
        }
    }

    /**
     * The OpenAI-compatible gateway on {@code --gateway-port}; a port already taken costs only the
     * gateway, with a message, not the rest of the stack.
     */
    private Gateway startGateway(Map<String, String> settings, int topologyQueryPort) {
        try {
            GatewaySettings gatewaySettings = GatewaySettings.from(settings).withListen("0.0.0.0", gatewayPort);
            if (topologyQueryPort > 0) {
                gatewaySettings = gatewaySettings.withTopologyUrl(URI.create("http://localhost:" + topologyQueryPort));
            }
            Gateway gateway = Gateway.start(gatewaySettings);
            out.println("OpenAI-compatible gateway: " + gateway.url() + " (GET /models, POST /completions,"
                    + " POST /chat/completions); runs page: " + gateway.url().resolve("/runs-ui"));
            return gateway;
        } catch (java.io.IOException | RuntimeException e) {
            out.println("!! The gateway did not start: " + e.getMessage() + " (--gateway-port picks another port)");
            return null;
        }
    }

    /** A cluster named by flag or environment is used as it is; otherwise the local stack is started. */
    private boolean usesExternalCluster() {
        return !KafkaOptions.DEFAULT_BOOTSTRAP.equals(kafka.bootstrapServers());
    }

    /** Prints outputs for a person: one line per token chunk, a summary and the JSON per result. */
    static final class ExamplePrinter implements java.util.function.Consumer<OutputWatcher.Output> {
        private final PrintStream out;
        private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
        private final Map<String, Boolean> pending = new ConcurrentHashMap<>();
        private final Object lock = new Object();

        ExamplePrinter(PrintStream out) {
            this.out = out;
        }

        void expect(String requestId) {
            pending.put(requestId, true);
        }

        void sentAt(String requestId, long nanos) {
            sentAt.put(requestId, nanos);
        }

        boolean awaitAll(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lock) {
                while (!pending.isEmpty() && System.nanoTime() < deadline) {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            }
            return pending.isEmpty();
        }

        @Override
        public void accept(OutputWatcher.Output output) {
            if (output instanceof OutputWatcher.Output.Token t) {
                TokenChunk c = t.value();
                out.printf("   token  %-16s #%-3d %-24s logprob %7.3f%s%n", c.getRequestId(), c.getSeq(),
                        quote(c.getText()), c.getLogprob(), c.getIsFinal() ? "  (final: " + c.getFinishReason() + ")" : "");
                return;
            }
            String requestId;
            if (output instanceof OutputWatcher.Output.Result r) {
                ScoringResult result = r.value();
                requestId = result.getRequestId();
                out.printf("<- result %-16s %s %s%s%n", requestId, result.getStatus(), summary(result), latency(requestId));
                out.println("   " + result);
            } else {
                var dead = ((OutputWatcher.Output.Dead) output).value();
                requestId = dead.getRequestId();
                out.printf("<- dead letter %s at %s: %s: %s%n", requestId, dead.getStage(), dead.getErrorCode(),
                        dead.getErrorMessage());
            }
            if (requestId != null && pending.remove(requestId) != null) {
                synchronized (lock) {
                    lock.notifyAll();
                }
            }
        }

        private String latency(String requestId) {
            Long sent = sentAt.get(requestId);
            return sent == null ? "" : String.format(" (end to end %.0f ms)", (System.nanoTime() - sent) / 1e6);
        }

        private static String summary(ScoringResult r) {
            if (r.getError() != null) {
                return r.getError().getCode() + ": " + r.getError().getMessage();
            }
            if (r.getScore() != null) {
                return String.format("%d tokens scored, mean NLL %.3f, perplexity %.1f, compute %d ms",
                        r.getScore().getNumScoredTokens(), r.getScore().getMeanNll(), r.getScore().getPerplexity(),
                        r.getTimings().getComputeMs());
            }
            if (r.getGeneration() != null) {
                return String.format("%d new tokens (%s): %s, compute %d ms", r.getGeneration().getCompletionTokens(),
                        r.getGeneration().getFinishReason(), quote(r.getGeneration().getText()),
                        r.getTimings().getComputeMs());
            }
            if (r.getChoice() != null) {
                var c = r.getChoice();
                return String.format("best %s (p=%.3f), correct=%s", quote(c.getCandidates().get(c.getBestIndex())
                        .getText()), c.getCandidates().get(c.getBestIndex()).getProbability(), c.getCorrect());
            }
            if (r.getClassification() != null) {
                var c = r.getClassification();
                return c.getReward() != null ? String.format("reward %.4f", c.getReward())
                        : String.format("label %s (logit %.3f)", quote(c.getBestLabel()),
                                c.getLabels().get(c.getBestIndex()).getLogit());
            }
            return "";
        }

        private static String quote(String s) {
            return "\"" + s.replace("\n", "\\n") + "\"";
        }
    }

}
