package io.logitstream.worker.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.generation.TokenListener;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code generate}: greedy generation with a local checkpoint, printed as one JSON object; with
 * {@code --stream} the text also appears on stderr as it is produced.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text (greedy) with a local checkpoint; JSON result on stdout.")
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelSelection model;

    @Mixin
    PromptInput input;

    @Option(names = "--max-new-tokens", defaultValue = "32", paramLabel = "N",
            description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--stream", description = "Print text deltas to stderr as tokens arrive.")
    boolean stream;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K",
            description = "Alternatives reported per generated token (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--ignore-eos", description = "Keep generating after an end-of-sequence token.")
    boolean ignoreEos;

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
        try (LoadedModel m = model.load()) {
            long loaded = System.nanoTime();
            int[] prompt = input.resolve(m, addGenerationPrompt);
            PrintWriter err = spec.commandLine().getErr();
            TokenListener listener = !stream ? TokenListener.NONE : token -> {
                err.print(token.textDelta());
                if (token.last()) {
                    err.println();
                }
                err.flush();
            };
            GenerationOptions options = GenerationOptions.greedy(maxNewTokens).withTopK(topK).withIgnoreEos(ignoreEos);
            GenerationResult r = new Generator(m).generate(prompt, options, listener);

            ObjectNode out = CliJson.header(m);
            out.set("input_ids", CliJson.ints(prompt));
            out.set("new_ids", CliJson.ints(r.newIds()));
            out.put("text", r.text());
            out.put("finish_reason", r.finishReason().wireName());
            out.set("token_logprobs", CliJson.floats(r.logprobs()));
            if (topK > 0) {
                ArrayNode ids = CliJson.F.arrayNode();
                ArrayNode lps = CliJson.F.arrayNode();
                for (int i = 0; i < r.newIds().length; i++) {
                    ids.add(CliJson.ints(r.topIds()[i]));
                    lps.add(CliJson.floats(r.topLogprobs()[i]));
                }
                out.set("top_ids", ids);
                out.set("top_logprobs", lps);
            }
            ObjectNode usage = out.putObject("usage");
            usage.put("prompt_tokens", prompt.length);
            usage.put("completion_tokens", r.newIds().length);
            ObjectNode timing = out.putObject("timing_ms");
            timing.put("load", (loaded - t0) / 1e6);
            timing.put("prefill", r.prefillNanos() / 1e6);
            timing.put("decode", r.decodeNanos() / 1e6);
            CliJson.putNumber(out, "decode_tokens_per_s", r.decodeTokensPerSecond());
            CliJson.print(spec.commandLine().getOut(), out);
            return 0;
        }
    }
}
