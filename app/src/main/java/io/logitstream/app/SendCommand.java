package io.logitstream.app;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.contract.Topics;
import io.logitstream.schema.ChatMessage;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import io.logitstream.schema.TeacherParams;
import io.logitstream.worker.cli.GenerationFlags;
import io.logitstream.worker.cli.KafkaOptions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

    @Option(names = "--task", defaultValue = "SCORE", description = "SCORE, CHOICE, TEACHER or GENERATE (default ${DEFAULT-VALUE}).")
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

    /** GENERATE parameters: the same flags as the engine's generate command. */
    @Mixin
    GenerationFlags generation;

    @Option(names = "--request-id", description = "Default: a random UUID.")
    String requestId;

    @Option(names = "--run-id", description = "Evaluation run this request belongs to.")
    String runId;

    @Option(names = "--wait", description = "Wait for the result and print tokens and result as JSON lines.")
    boolean await;

    @Option(names = "--timeout", defaultValue = "120", description = "Seconds to wait with --wait (default ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PromptRequest request = build();
        Topics topics = Topics.from(kafka.settings());
        if (!await) {
            try (RequestSender sender = new RequestSender(kafka.bootstrapServers(), kafka.registryUrl(), topics.prompts())) {
                var meta = sender.send(request);
                System.out.println("{\"request_id\": \"" + request.getRequestId() + "\", \"partition\": "
                        + meta.partition() + ", \"offset\": " + meta.offset() + "}");
            }
            return 0;
        }
        CountDownLatch done = new CountDownLatch(1);
        var print = OutputWatcher.jsonLines(System.out, topics);
        try (OutputWatcher watcher = new OutputWatcher(kafka.bootstrapServers(), kafka.registryUrl(), topics, false,
                output -> {
                    if (concerns(output, request.getRequestId())) {
                        print.accept(output);
                        if (!(output instanceof OutputWatcher.Output.Token)) {
                            done.countDown();
                        }
                    }
                });
             RequestSender sender = new RequestSender(kafka.bootstrapServers(), kafka.registryUrl(), topics.prompts())) {
            Thread thread = new Thread(watcher, "watch");
            thread.start();
            long sent = System.nanoTime();
            sender.send(request);
            boolean answered = done.await(timeoutSeconds, TimeUnit.SECONDS);
            if (answered) {
                System.err.printf("answered %.1f ms after sending%n", (System.nanoTime() - sent) / 1e6);
            } else {
                System.err.println("No result for " + request.getRequestId() + " within " + timeoutSeconds
                        + " s. Is a topology running, and a worker for model '" + model + "'?");
                return 1;
            }
        }
        return 0;
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
                .setRunId(runId);
        if (messages != null) {
            List<Map<String, String>> parsed = new ObjectMapper().readValue(messages, new TypeReference<>() { });
            builder.setMessages(parsed.stream().map(m -> new ChatMessage(m.get("role"), m.get("content"))).toList());
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
