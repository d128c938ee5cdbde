package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.TokenChunk;
import io.logitstream.schema.TopLogprobs;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.config.GenerationDefaults;
import io.logitstream.worker.engine.generation.GeneratedToken;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.GenerationWork;
import io.logitstream.worker.engine.generation.SamplingSettings;
import io.logitstream.worker.engine.generation.TokenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * GENERATE: new tokens after the input, each streamed as a {@link TokenChunk} the moment it is
 * produced. Parameters left unset take the model's generation_config.json, then transformers'
 * defaults, and the effective values are recorded in the result's provenance.
 */
public final class GenerateTask implements ModelTask {

    /** transformers' default when neither the request nor generation_config.json says. */
    static final int DEFAULT_MAX_NEW_TOKENS = 32;

    private final LoadedModel model;
    private final GenerationDefaults defaults;
    private final int contextLength;
    private final String workerId;

    public GenerateTask(LoadedModel model, String workerId) {
        this.model = model;
        this.defaults = model.generationDefaults();
        this.contextLength = model.model().contextLength();
        this.workerId = workerId;
    }

    @Override
    public TaskWork plan(PromptRequest request, int[] inputIds, Map<String, String> parameters, TokenSink tokens) {
        GenerationParams p = request.getGeneration() != null ? request.getGeneration() : new GenerationParams();
        if (p.getNumBeams() != null && p.getNumBeams() > 1) {
            throw new TaskException(ErrorCodes.UNSUPPORTED, "Beam search (num_beams > 1) is not supported yet;"
                    + " use num_beams=1 (greedy or sampling)");
        }
        int maxNewTokens = maxNewTokens(p, inputIds.length);
        SamplingSettings sampling = sampling(p);
        int topK = request.getTopLogprobs() == null ? 0 : request.getTopLogprobs();
        List<String> stop = p.getStop() == null ? List.of() : p.getStop();
        boolean stream = p.getStream() == null || p.getStream();
        record(parameters, maxNewTokens, sampling, topK, stop, stream);

        GenerationOptions options = GenerationOptions.greedy(maxNewTokens).withTopK(topK)
                .withPolicy(sampling.policy()).withStopStrings(stop);
        TokenListener listener = stream ? new ChunkPublisher(request, tokens, workerId) : TokenListener.NONE;
        GenerationWork work = new GenerationWork(model, inputIds, options, listener);
        return new TaskWork(work, result -> result.setGeneration(output(work.result(), inputIds.length, topK)));
    }

    private static GenerationOutput output(GenerationResult g, int promptTokens, int topK) {
        List<TopLogprobs> top = new ArrayList<>(g.newIds().length);
        for (int i = 0; i < g.newIds().length; i++) {
            top.add(AvroLists.top(g.topIds()[i], g.topLogprobs()[i]));
        }
        return GenerationOutput.newBuilder()
                .setText(g.text())
                .setNewIds(AvroLists.ints(g.newIds()))
                .setTokenLogprobs(AvroLists.floats(g.logprobs()))
                .setTopLogprobs(topK > 0 ? top : null)
                .setFinishReason(g.finishReason().wireName())
                .setPromptTokens(promptTokens)
                .setCompletionTokens(g.newIds().length)
                .build();
    }

    /**
     * An explicit max_new_tokens that cannot fit the context is an error the requester should see;
     * a default one is capped to the room left.
     */
    private int maxNewTokens(GenerationParams p, int promptLength) {
        int room = contextLength - promptLength;
        if (room < 1) {
            throw new TaskException(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "The prompt has " + promptLength
                    + " tokens and leaves no room to generate in the model's context of " + contextLength);
        }
        if (p.getMaxNewTokens() != null) {
            if (p.getMaxNewTokens() > room) {
                throw new TaskException(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "prompt (" + promptLength
                        + " tokens) + max_new_tokens (" + p.getMaxNewTokens() + ") exceeds the model's context of "
                        + contextLength + " tokens; ask for at most " + room + " new tokens");
            }
            return p.getMaxNewTokens();
        }
        int fallback = defaults.maxNewTokens() != null ? defaults.maxNewTokens() : DEFAULT_MAX_NEW_TOKENS;
        return Math.min(fallback, room);
    }

    private SamplingSettings sampling(GenerationParams p) {
        boolean doSample = first(p.getDoSample(), defaults.doSample(), false);
        double temperature = first(p.getTemperature() == null ? null : p.getTemperature().doubleValue(),
                defaults.temperature(), 1.0);
        int topK = first(p.getTopK(), defaults.topK(), 50);
        double topP = first(p.getTopP() == null ? null : p.getTopP().doubleValue(), defaults.topP(), 1.0);
        double penalty = first(p.getRepetitionPenalty() == null ? null : p.getRepetitionPenalty().doubleValue(),
                defaults.repetitionPenalty(), 1.0);
        // An unseeded sample gets a seed of its own, recorded in the provenance, so it can be replayed.
        long seed = p.getSeed() != null ? p.getSeed() : ThreadLocalRandom.current().nextLong();
        return new SamplingSettings(doSample, temperature, topK, topP, penalty, seed);
    }

    private static void record(Map<String, String> parameters, int maxNewTokens, SamplingSettings s, int topK,
            List<String> stop, boolean stream) {
        parameters.put("max_new_tokens", Integer.toString(maxNewTokens));
        parameters.put("do_sample", Boolean.toString(s.doSample()));
        if (s.doSample()) {
            parameters.put("temperature", Double.toString(s.temperature()));
            parameters.put("top_k", Integer.toString(s.topK()));
            parameters.put("top_p", Double.toString(s.topP()));
            parameters.put("seed", Long.toString(s.seed()));
        }
        parameters.put("repetition_penalty", Double.toString(s.repetitionPenalty()));
        parameters.put("num_beams", "1");
        parameters.put("top_logprobs", Integer.toString(topK));
        parameters.put("stream", Boolean.toString(stream));
        if (!stop.isEmpty()) {
            parameters.put("stop", stop.toString());
        }
    }

    private static <T> T first(T requested, T modelDefault, T fallback) {
        return requested != null ? requested : modelDefault != null ? modelDefault : fallback;
    }

    /** Turns generated tokens into token chunks, one per token, numbered from 0. */
    private static final class ChunkPublisher implements TokenListener {
        private final PromptRequest request;
        private final TokenSink sink;
        private final String workerId;

        ChunkPublisher(PromptRequest request, TokenSink sink, String workerId) {
            this.request = request;
            this.sink = sink;
            this.workerId = workerId;
        }

        @Override
        public void onToken(GeneratedToken token) {
            sink.send(TokenChunk.newBuilder()
                    .setRequestId(request.getRequestId())
                    .setModel(request.getModel())
                    .setSeq(token.index())
                    .setTokenIds(List.of(token.tokenId()))
                    .setText(token.textDelta())
                    .setLogprob(token.logprob())
                    .setTopLogprobs(AvroLists.top(token.topIds(), token.topLogprobs()))
                    .setIsFinal(token.last())
                    .setFinishReason(token.last() ? token.finishReason().wireName() : null)
                    .setWorkerId(workerId)
                    .build());
        }
    }
}
