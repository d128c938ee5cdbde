package io.logitstream.worker.task;

import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Usage;
import io.logitstream.worker.engine.batch.BatchSequence;
import io.logitstream.worker.engine.batch.BatchWork;

/**
 * The {@link Usage} of a finished request, so users see what the prefix and session caches saved:
 * positions copied from a cache, and tokens run through the model.
 */
final class RequestUsage {
    private RequestUsage() {
    }

    static Usage of(BatchWork work, ScoringResult.Builder result) {
        int cached = 0;
        int computed = 0;
        int prompt = 0;
        for (BatchSequence s : work.sequences()) {
            cached += s.cached();
            computed += s.computed();
            prompt += s.promptLength();
        }
        int completion = 0;
        if (result.hasGeneration()) {
            GenerationOutput g = result.getGeneration();
            prompt = g.getPromptTokens(); // beams share one prompt
            completion = g.getCompletionTokens();
        }
        return Usage.newBuilder()
                .setPromptTokens(prompt)
                .setCompletionTokens(completion)
                .setCachedTokens(cached)
                .setComputedTokens(computed)
                .build();
    }
}
