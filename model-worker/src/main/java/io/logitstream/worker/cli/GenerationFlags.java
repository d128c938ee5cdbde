package io.logitstream.worker.cli;

import io.logitstream.schema.GenerationParams;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The generation flags every command shares ({@code generate}, {@code send}), named as
 * transformers' parameters: unset flags stay unset, so the model's generation_config.json and
 * transformers' defaults apply, exactly as for a request on Kafka.
 */
public final class GenerationFlags {

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Most tokens to generate.")
    Integer maxNewTokens;

    @Option(names = "--do-sample", description = "Sample instead of greedy decoding.")
    Boolean doSample;

    @Option(names = "--temperature", paramLabel = "T")
    Float temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sampling: keep the K most likely tokens (transformers' top_k).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P")
    Float topP;

    @Option(names = "--min-p", paramLabel = "P")
    Float minP;

    @Option(names = "--repetition-penalty", paramLabel = "X")
    Float repetitionPenalty;

    @Option(names = "--logit-bias", paramLabel = "ID=BIAS", split = ",",
            description = "Added to the logits of these token ids, e.g. 50256=-100,13=2.5.")
    Map<String, Float> logitBias;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of the sampler (default: drawn and recorded).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when the text contains this (repeatable).")
    List<String> stop;

    @Option(names = "--num-beams", paramLabel = "B", description = "Beam search with B beams.")
    Integer numBeams;

    @Option(names = "--num-return-sequences", paramLabel = "R", description = "Beam search: the R best hypotheses.")
    Integer numReturnSequences;

    @Option(names = "--length-penalty", paramLabel = "X", description = "Beam search: score = sum / length^X.")
    Float lengthPenalty;

    @Option(names = "--early-stopping", description = "Beam search: stop once num_beams hypotheses are finished.")
    Boolean earlyStopping;

    @Option(names = "--ignore-eos", description = "Keep generating after an end-of-sequence token.")
    Boolean ignoreEos;

    @Option(names = "--no-stream", description = "Do not publish token chunks (beam search sends one final chunk).")
    boolean noStream;

    /** The request's generation parameters. */
    public GenerationParams toParams() {
        return GenerationParams.newBuilder()
                .setMaxNewTokens(maxNewTokens)
                .setDoSample(doSample)
                .setTemperature(temperature)
                .setTopK(topK)
                .setTopP(topP)
                .setMinP(minP)
                .setRepetitionPenalty(repetitionPenalty)
                .setLogitBias(logitBias == null ? null : new LinkedHashMap<>(logitBias))
                .setSeed(seed)
                .setStop(stop == null ? null : List.copyOf(stop))
                .setNumBeams(numBeams)
                .setNumReturnSequences(numReturnSequences)
                .setLengthPenalty(lengthPenalty)
                .setEarlyStopping(earlyStopping)
                .setIgnoreEos(ignoreEos)
                .setStream(noStream ? Boolean.FALSE : null)
                .build();
    }
}
