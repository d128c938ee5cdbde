package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.GeneratedSequence;
import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.TokenChunk;
import io.logitstream.schema.TopLogprobs;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.generation.BeamHypothesis;
import io.logitstream.worker.engine.generation.BeamSettings;
import io.logitstream.worker.engine.generation.BeamWork;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.GenerationWork;
import io.logitstream.worker.engine.generation.SamplingSettings;
import io.logitstream.worker.engine.generation.TokenListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * GENERATE: new tokens after the input, each streamed as a {@link TokenChunk} the moment it is
 * produced; or, with num_beams > 1, beam search (transformers' semantics) whose best hypotheses
 * come back in {@code sequences}. Parameters left unset take the model's generation_config.json,
 * then transformers' defaults, and the effective values are recorded in the result's provenance.
 */
public final class GenerateTask implements ModelTask {

    private final LoadedModel model;
    private final String workerId;
    private final PromptEncoder encoder;
    private final long maxResultBytes;
    private final TokenTexts texts;

    /**
     * @param maxResultBytes what one result may take (the results producer's max.request.size, less headroom)
     * @param texts the strings of the generated tokens, for {@code GenerationOutput.tokens}
     */
    GenerateTask(LoadedModel model, String workerId, PromptEncoder encoder, long maxResultBytes, TokenTexts texts) {
        this.model = model;
        this.workerId = workerId;
        this.encoder = encoder;
        this.maxResultBytes = maxResultBytes;
        this.texts = texts;
    }

    @Override
    public TaskWork plan(PromptRequest request, int[] inputIds, Map<String, String> parameters, TokenSink tokens) {
        GenerationParameters params = new GenerationParameters(request.getGeneration(), model.generationDefaults(),
                inputIds.length, model.model().contextLength());
        ChunkPublisher publisher = new ChunkPublisher(request, tokens, workerId);
        LogprobRequest wanted = LogprobRequest.of(request, encoder, model.model().vocabSize());
        if (params.numBeams() > 1) {
            if (wanted.topK() > 0 || wanted.wantsSelected()) {
                throw new TaskException(ErrorCodes.UNSUPPORTED, "Beam search reports no per-token log-probabilities:"
                        + " drop top_logprobs/logprobs_of or use num_beams 1");
            }
            return beams(params, inputIds, parameters, publisher);
        }
        SamplingSettings sampling = params.sampling(model.model().vocabSize());
        int topK = wanted.topK();
        wanted.checkFits(params.maxNewTokens(), maxResultBytes);
        params.record(parameters, sampling, topK);
        wanted.record(parameters);
        GenerationOptions options = GenerationOptions.greedy(params.maxNewTokens()).withTopK(topK)
                .withPolicy(sampling.policy()).withStopStrings(params.stop()).withIgnoreEos(params.ignoreEos())
                .withSelectedIds(wanted.selectedIds());
        TokenListener listener = params.stream() ? publisher : TokenListener.NONE;
        GenerationWork work = new GenerationWork(model, inputIds, options, listener);
        return new TaskWork(work, result -> {
            GenerationResult g = work.result();
            GenerationOutput out = output(g, inputIds.length, topK);
            out.setTokens(texts.of(g.newIds(), 0, TokenTexts.budget(maxResultBytes, g.newIds().length,
                    topK + wanted.selectedIds().length)));
            if (wanted.wantsSelected()) {
                out.setSelectedLogprobs(wanted.selectedOutput(g.selectedLogprobs()));
            }
            result.setGeneration(out);
        });
    }

    private TaskWork beams(GenerationParameters params, int[] inputIds, Map<String, String> parameters,
            ChunkPublisher publisher) {
        BeamSettings settings = params.beams(params.eos(model.generationDefaults().eosTokenIds()));
        params.record(parameters, settings);
        BeamWork work = new BeamWork(model, inputIds, settings);
        return new TaskWork(work, result -> {
            GenerationOutput out = beamOutput(work, inputIds.length);
            int[] best = out.getNewIds().stream().mapToInt(Integer::intValue).toArray();
            out.setTokens(texts.of(best, 0, TokenTexts.budget(maxResultBytes, best.length, 0)));
            if (params.stream()) {
                publisher.whole(out.getNewIds(), out.getText(), out.getFinishReason());
            }
            result.setGeneration(out);
        });
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
     * The best hypothesis as the main output (beam search reports no per-token logprobs: a
     * hypothesis' score is its sum of logprobs over its length penalty), all returned ones in
     * {@code sequences}.
     */
    private static GenerationOutput beamOutput(BeamWork work, int promptTokens) {
        List<GeneratedSequence> sequences = new ArrayList<>();
        for (BeamHypothesis h : work.result()) {
            sequences.add(GeneratedSequence.newBuilder().setNewIds(AvroLists.ints(h.newIds())).setText(work.text(h))
                    .setScore(h.score()).setFinishReason(h.finishReason().wireName()).build());
        }
        GeneratedSequence best = sequences.get(0);
        return GenerationOutput.newBuilder()
                .setText(best.getText())
                .setNewIds(best.getNewIds())
                .setTokenLogprobs(List.of())
                .setTopLogprobs(null)
                .setFinishReason(best.getFinishReason())
                .setPromptTokens(promptTokens)
                .setCompletionTokens(best.getNewIds().size())
                .setSequences(sequences)
                .build();
    }
}
