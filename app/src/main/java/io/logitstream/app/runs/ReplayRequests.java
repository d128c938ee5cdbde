package io.logitstream.app.runs;

import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a request of one run into the same request of another: a new request id derived from the
 * new run (from the input line when the original had one, so a replay of a replay keeps lines),
 * the new run id, optionally another model, the original's metadata plus the request it repeats,
 * and the seed the original was served with, so a sampled generation draws the same tokens.
 */
public final class ReplayRequests {

    private ReplayRequests() {
    }

    /**
     * The replay of {@code original} under run {@code as}.
     *
     * @param model      the model to ask instead, or null to keep the original's
     * @param servedSeed the seed the original's result recorded (provenance.seed), or null; used only
     *                   when the original named no seed itself
     */
    public static PromptRequest replay(PromptRequest original, String as, String model, Long servedSeed) {
        PromptRequest copy = PromptRequest.newBuilder(original).build(); // a deep copy
        copy.setRequestId(replayId(as, original));
        copy.setRunId(as);
        copy.setCreatedAtMs(null);
        if (model != null) {
            copy.setModel(model);
        }
        Map<String, String> metadata = original.getMetadata() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(original.getMetadata());
        metadata.put(RunPositions.ORIGIN_KEY, RunPositions.originOf(original.getRequestId(), original.getMetadata()));
        copy.setMetadata(metadata);
        GenerationParams generation = copy.getGeneration();
        if (servedSeed != null && (generation == null || generation.getSeed() == null)) {
            copy.setGeneration(generation == null ? GenerationParams.newBuilder().setSeed(servedSeed).build()
                    : GenerationParams.newBuilder(generation).setSeed(servedSeed).build());
        }
        return copy;
    }

    /** {@code AS-000042} for a request from line 42, else {@code AS:<original request id>}. */
    static String replayId(String as, PromptRequest original) {
        long line = RunPositions.line(original.getMetadata());
        return line > 0 ? RunPositions.requestId(as, line) : as + ":" + original.getRequestId();
    }
}
