package io.logitstream.app;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.contract.Topics;
import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.Task;
import io.logitstream.schema.TeacherParams;
import io.logitstream.worker.cli.GenerationFlags;
import io.logitstream.worker.cli.KafkaOptions;
import io.logitstream.worker.cli.TokenSelectionFlags;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sends one PromptRequest to the prompts topic, optionally waiting for its result. */
@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Send one request to llm.prompts (and with --wait, print its tokens and result).")
public final class SendCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--model", required = true, description = "Model pool to address, e.g. tiny-gpt2.")
    String model;

    @Option(names = "--task", defaultValue = "SCORE", description = "SCORE, CHOICE, TEACHER, GENERATE or CLASSIFY (default ${DEFAULT-VALUE}; any case).")
    Task task;

    @Option(names = {"--text", "--prompt"}, description = "Plain-text input (--prompt: the engine commands' old spelling).")
    String text;

    @Option(names = "--messages", paramLabel = "JSON", description = "Chat input: [{\"role\":\"user\",\"content\":\"...\"}].")
    String messages;

    @Option(names = "--input-ids", split = ",", description = "Raw token ids input.")
    List<Integer> inputIds;

    @Option(names = "--continuation", description = "SCORE: score this continuation of the input.")
    String continuation;

    @Option(names = "--choices", split = "\\|", description = "CHOICE: candidates separated by '|', e.g. ' A| B| C'.")
    List<String> choices;

    @Option(names = "--gold-index", description = "CHOICE: index of the correct candidate.")
    Integer goldIndex;

    @Option(names = "--top-logprobs", description = "Top alternatives per position (SCORE, GENERATE).")
    Integer topLogprobs;

    @Option(names = "--teacher-top-k", description = "TEACHER: logits of the k largest tokens per position.")
    Integer teacherTopK;

    /** SCORE, GENERATE: logprobs of given tokens at every position (--logprobs-of-tokens, --logprobs-of-ids). */
    @Mixin
    TokenSelectionFlags logprobsOf;

    /** GENERATE parameters: the same flags as the engine's generate command. */
    @Mixin
    GenerationFlags generation;

    /** Routing to one worker's cache: --session-id, --prefix-key, --prefix-route-chars. */
    @Mixin
    AffinityFlags affinity;

    @Option(names = "--image", paramLabel = "FILE|URI", description = "An image for a vision-language model, repeat for"
            + " several (in the order of the prompt's <image> placeholders): a local file is sent inline (at most 768 KiB"
            + " in all), an https://, http:// or file:// URI is sent for the worker to fetch.")
    List<String> images;

    @Option(names = "--request-id", description = "Default: a random UUID.")
    String requestId;

    @Option(names = "--run-id", description = "Evaluation run this request belongs to.")
    String runId;

    @Option(names = "--wait", description = "Wait for the result and print tokens and result as JSON lines.")
    boolean await;

    @Option(names = "--timeout", defaultValue = "120", description = "Seconds for everything: reaching the broker,"
            + " its acknowledgement and, with --wait, the result (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** Exit status when the request was answered with an ERROR result or dead-lettered. */
    static final int NOT_OK = 2;

    @Override
    public Integer call() throws Exception {
        PromptRequest request = build();
        Map<String, String> settings = kafka.settings();
        Topics topics = Topics.from(settings);
        KafkaEndpoint endpoint = KafkaEndpoint.of(kafka.bootstrapServers(), kafka.registryUrl(), settings);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        if (!await) {
            BrokerReachability.await(endpoint.bootstrapServers(), remaining(deadline));
            try (RequestSender sender = new RequestSender(endpoint, topics.prompts(), remaining(deadline))) {
                var meta = send(sender, request);
                System.out.println("{\"request_id\": \"" + request.getRequestId() + "\", \"partition\": "
                        + meta.partition() + ", \"offset\": " + meta.offset() + "}");
            }
            return 0;
        }
        CompletableFuture<Integer> outcome = new CompletableFuture<>();
        var print = OutputWatcher.jsonLines(System.out, topics);
        try (OutputWatcher watcher = new OutputWatcher(endpoint, topics, false, remaining(deadline), output -> {
                    if (concerns(output, request.getRequestId())) {
                        print.accept(output);
                        if (!(output instanceof OutputWatcher.Output.Token)) {
                            outcome.complete(exitStatus(output));
                        }
                    }
                });
             RequestSender sender = new RequestSender(endpoint, topics.prompts(), remaining(deadline))) {
            Thread thread = new Thread(() -> {
                try {
                    watcher.run();
                } catch (RuntimeException e) {
                    outcome.completeExceptionally(e);
                }
            }, "watch");
            thread.start();
            long sent = System.nanoTime();
            send(sender, request);
            try {
                int status = outcome.get(remaining(deadline).toNanos(), TimeUnit.NANOSECONDS);
                System.err.printf("answered %.1f ms after sending%n", (System.nanoTime() - sent) / 1e6);
                return status;
            } catch (java.util.concurrent.TimeoutException e) {
                System.err.println("No result for " + request.getRequestId() + " within " + timeoutSeconds
                        + " s. Is a topology running, and a worker for model '" + model + "'?"
                        + (requestId != null ? " (The topology drops a request_id it has routed before.)" : ""));
                return 1;
            } catch (ExecutionException e) {
                throw new IllegalStateException("reading the results failed: " + e.getCause().getMessage(),
                        e.getCause());
            }
        }
    }

    /** 0 for an OK result; {@link #NOT_OK} for an ERROR result or a dead letter. */
    static int exitStatus(OutputWatcher.Output output) {
        if (output instanceof OutputWatcher.Output.Result r) {
            return r.value().getStatus() == ResultStatus.OK ? 0 : NOT_OK;
        }
        return NOT_OK;
    }

    private static RecordMetadata send(RequestSender sender, PromptRequest request)
            throws InterruptedException {
        try {
            return sender.send(request);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the broker did not take the request: " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    private static Duration remaining(long deadlineNanos) {
        return Duration.ofNanos(Math.max(1_000_000, deadlineNanos - System.nanoTime()));
    }

    private static boolean concerns(OutputWatcher.Output output, String requestId) {
        if (output instanceof OutputWatcher.Output.Result r) {
            return requestId.equals(r.value().getRequestId());
        }
        if (output instanceof OutputWatcher.Output.Token t) {
            return requestId.equals(t.value().getRequestId());
        }
        return requestId.equals(((OutputWatcher.Output.Dead) output).value().getRequestId());
    }

    PromptRequest build() throws Exception {
        var builder = PromptRequest.newBuilder()
                .setRequestId(requestId != null ? requestId : UUID.randomUUID().toString())
                .setModel(model)
                .setTask(task)
                .setText(text)
                .setInputIds(inputIds)
                .setContinuation(continuation)
                .setChoices(choices)
                .setGoldIndex(goldIndex)
                .setTopLogprobs(topLogprobs)
                .setLogprobsOf(logprobsOf.toSelection())
                .setRunId(runId);
        affinity.applyTo(builder);
        if (messages != null) {
            List<Map<String, String>> parsed = new ObjectMapper().readValue(messages, new TypeReference<>() { });
            builder.setMessages(parsed.stream().map(m -> new ChatMessage(m.get("role"), m.get("content"))).toList());
        }
        if (images != null && !images.isEmpty()) {
            builder.setImages(ImageArguments.inputs(images));
        }
        if (teacherTopK != null) {
            builder.setTeacher(TeacherParams.newBuilder().setTopK(teacherTopK).build());
        }
        if (task == Task.GENERATE) {
            builder.setGeneration(generation.toParams());
        }
        return builder.build();
    }

}
