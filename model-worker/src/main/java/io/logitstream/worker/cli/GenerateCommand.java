package io.logitstream.worker.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.GeneratedSequence;
import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TopLogprobs;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code generate}: one GENERATE request served by the same task router and continuous batcher
 * as a worker, without Kafka; the result is printed as one JSON object, and with {@code --stream}
 * the text also appears on stderr as it is produced.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text with a local checkpoint (greedy, sampling or beam search); JSON result on stdout.")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelSelection model;

    @Mixin
    PromptInput input;

    @Mixin
    GenerationFlags generation;

    @Mixin
    TokenSelectionFlags logprobsOf;

    @Option(names = "--stream", description = "Print text deltas to stderr as tokens arrive.")
    boolean stream;

    @Option(names = "--top-logprobs", paramLabel = "N", defaultValue = "0",
            description = "Alternatives reported per generated token (default ${DEFAULT-VALUE}).")
    int topLogprobs;

    @Option(names = "--add-generation-prompt", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "With --messages: end the rendered chat with the assistant prompt (default ${DEFAULT-VALUE}).")
    boolean addGenerationPrompt;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return CliJson.run(spec.commandLine().getErr(), this::generate);
    }

    private int generate() {
        long t0 = System.nanoTime();
        try (LoadedModel m = model.loadLanguageModel("generate")) {
            long loaded = System.nanoTime();
            PrintWriter err = spec.commandLine().getErr();
            TokenSink sink = !stream ? TokenSink.DISCARD : chunk -> {
                err.print(chunk.getText());
                if (chunk.getIsFinal()) {
                    err.println();
                }
                err.flush();
            };
            PromptRequest request = input.fill(PromptRequest.newBuilder().setRequestId("cli").setModel(m.name())
                    .setTask(Task.GENERATE), m, addGenerationPrompt)
                    .setTopLogprobs(topLogprobs).setLogprobsOf(logprobsOf.toSelection())
                    .setGeneration(generation.toParams()).build();
            long now = System.currentTimeMillis();
            ScoringResult r = new TaskRouter(m, "cli").handle(new WorkItem(request, now, now), sink);
            if (r.getStatus() != ResultStatus.OK) {
                throw new IllegalArgumentException(r.getError().getCode() + ": " + r.getError().getMessage());
            }
            int[] prompt = r.getInputIds().stream().mapToInt(Integer::intValue).toArray();
            CliJson.print(spec.commandLine().getOut(), json(m, prompt, r, (loaded - t0) / 1e6));
            return 0;
        }
    }

    /** One array of ids and one of logprobs, a row per generated position; nothing when absent. */
    private static void putPerPosition(ObjectNode out, List<TopLogprobs> rows, String idsField, String lpsField) {
        if (rows == null) {
            return;
        }
        ArrayNode ids = CliJson.F.arrayNode();
        ArrayNode lps = CliJson.F.arrayNode();
        for (TopLogprobs row : rows) {
            ids.add(CliJson.MAPPER.valueToTree(row.getIds()));
            lps.add(CliJson.MAPPER.valueToTree(row.getLogprobs()));
        }
        out.set(idsField, ids);
        out.set(lpsField, lps);
    }

    private static ObjectNode json(LoadedModel m, int[] prompt, ScoringResult r, double loadMs) {
        GenerationOutput g = r.getGeneration();
        ObjectNode out = CliJson.header(m);
        out.set("input_ids", CliJson.ints(prompt));
        out.set("new_ids", CliJson.MAPPER.valueToTree(g.getNewIds()));
        out.put("text", g.getText());
        out.put("finish_reason", g.getFinishReason());
        out.set("token_logprobs", CliJson.MAPPER.valueToTree(g.getTokenLogprobs()));
        putPerPosition(out, g.getTopLogprobs(), "top_ids", "top_logprobs");
        putPerPosition(out, g.getSelectedLogprobs(), "selected_ids", "selected_logprobs");
        if (g.getSequences() != null) {
            ArrayNode sequences = out.putArray("sequences");
            for (GeneratedSequence s : g.getSequences()) {
                ObjectNode h = sequences.addObject();
                h.set("new_ids", CliJson.MAPPER.valueToTree(s.getNewIds()));
                h.put("text", s.getText());
                h.put("score", s.getScore());
                h.put("finish_reason", s.getFinishReason());
            }
        }
        out.set("parameters", CliJson.MAPPER.valueToTree(r.getProvenance().getParameters()));
        if (r.getProvenance().getSeed() != null) {
            out.put("seed", r.getProvenance().getSeed());
        }
        ObjectNode usage = out.putObject("usage");
        usage.put("prompt_tokens", g.getPromptTokens());
        usage.put("completion_tokens", g.getCompletionTokens());
        ObjectNode timing = out.putObject("timing_ms");
        timing.put("load", loadMs);
        long compute = r.getTimings().getComputeMs();
        timing.put("compute", compute);
        CliJson.putNumber(out, "tokens_per_s", compute == 0 ? Double.NaN : g.getCompletionTokens() * 1000.0 / compute);
        return out;
    }
}
