package io.logitstream.worker.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.scoring.Scorer;
import io.logitstream.worker.engine.scoring.SequenceScore;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code score}: per-token log-probabilities of a prompt (and optionally of a continuation given
 * it), printed as one JSON object. No Kafka: the engine is called directly.
 */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score a prompt with a local checkpoint: per-token logprobs, top-k alternatives, loss, perplexity.")
public final class ScoreCommand implements Callable<Integer> {

    @Mixin
    ModelSelection model;

    @Mixin
    PromptInput input;

    @Option(names = {"--top-logprobs", "--top-k"}, defaultValue = "5", paramLabel = "N",
            description = "Alternatives reported per position (default ${DEFAULT-VALUE}); --top-k is the old spelling.")
    int topK;

    @Option(names = "--continuation", paramLabel = "TEXT",
            description = "Text appended to the prompt (tokenized on its own, no special tokens) and scored given it.")
    String continuation;

    @Option(names = "--add-generation-prompt", negatable = true, defaultValue = "false",
            description = "With --messages: end the rendered chat with the assistant prompt (default ${DEFAULT-VALUE}).")
    boolean addGenerationPrompt;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return CliJson.run(spec.commandLine().getErr(), this::score);
    }

    private int score() {
        if (topK < 0) {
            throw new IllegalArgumentException("--top-k must be >= 0");
        }
        long t0 = System.nanoTime();
        try (LoadedModel m = model.loadLanguageModel("score")) {
            long loaded = System.nanoTime();
            PromptInput.Resolved resolved = input.resolveWithImages(m, addGenerationPrompt);
            int[] prompt = resolved.ids();
            int[] cont = continuation == null ? new int[0] : m.tokenizer().encode(continuation, false);
            int[] ids = Arrays.copyOf(prompt, prompt.length + cont.length);
            System.arraycopy(cont, 0, ids, prompt.length, cont.length);
            if (prompt.length == 0) {
                throw new IllegalArgumentException("the prompt encodes to no tokens");
            }
            SequenceScore s = new Scorer(m.model(), resolved.embeddings()).score(ids, topK);
            long scored = System.nanoTime();

            ObjectNode out = CliJson.header(m);
            out.set("input_ids", CliJson.ints(ids));
            out.set("tokens", tokens(m, ids));
            out.set("token_logprobs", CliJson.floats(s.tokenLogprobs()));
            ArrayNode topIds = CliJson.F.arrayNode();
            ArrayNode topLps = CliJson.F.arrayNode();
            ArrayNode greedy = CliJson.F.arrayNode();
            for (int t = 0; t < ids.length; t++) {
                if (t == 0) {
                    topIds.addNull();
                    topLps.addNull();
                    greedy.addNull();
                } else {
                    topIds.add(CliJson.ints(s.topIds()[t]));
                    topLps.add(CliJson.floats(s.topLogprobs()[t]));
                    greedy.add(s.greedyIds()[t]);
                }
            }
            out.set("top_ids", topIds);
            out.set("top_logprobs", topLps);
            out.set("greedy_ids", greedy);
            CliJson.putNumber(out, "loss", s.meanNll());
            CliJson.putNumber(out, "sum_logprob", ids.length > 1 ? s.sumLogprob() : Double.NaN);
            CliJson.putNumber(out, "mean_nll", s.meanNll());
            CliJson.putNumber(out, "perplexity", s.perplexity());
            if (continuation != null) {
                out.set("continuation", continuationJson(s, prompt.length, cont));
            }
            ObjectNode timing = out.putObject("timing_ms");
            timing.put("load", (loaded - t0) / 1e6);
            timing.put("score", (scored - loaded) / 1e6);
            CliJson.print(spec.commandLine().getOut(), out);
            return 0;
        }
    }

    /** The continuation's part of the sequence score: the same numbers lm-eval's loglikelihood uses. */
    private static ObjectNode continuationJson(SequenceScore s, int from, int[] cont) {
        ObjectNode c = CliJson.F.objectNode();
        c.set("continuation_ids", CliJson.ints(cont));
        float[] lps = Arrays.copyOfRange(s.tokenLogprobs(), from, from + cont.length);
        c.set("token_logprobs", CliJson.floats(lps));
        ArrayNode topIds = CliJson.F.arrayNode();
        ArrayNode topLps = CliJson.F.arrayNode();
        double sum = 0;
        boolean greedy = true;
        for (int j = 0; j < cont.length; j++) {
            topIds.add(CliJson.ints(s.topIds()[from + j]));
            topLps.add(CliJson.floats(s.topLogprobs()[from + j]));
            sum += lps[j];
            greedy &= s.greedyIds()[from + j] == cont[j];
        }
        c.set("top_ids", topIds);
        c.set("top_logprobs", topLps);
        CliJson.putNumber(c, "sum_logprob", sum);
        CliJson.putNumber(c, "mean_logprob", cont.length == 0 ? Double.NaN : sum / cont.length);
        c.put("is_greedy", greedy);
        return c;
    }

    /**
     * Each token's own text (a fragment of a multi-byte character shows as U+FFFD); nulls for a
     * checkpoint without a tokenizer (scored from --input-ids).
     */
    private static ArrayNode tokens(LoadedModel m, int[] ids) {
        ArrayNode a = CliJson.F.arrayNode();
        boolean text = m.tokenizer().isAvailable();
        for (int id : ids) {
            if (text) {
                a.add(m.tokenizer().tokenText(id));
            } else {
                a.addNull();
            }
        }
        return a;
    }
}
