package io.logitstream.app.runs;

import io.logitstream.app.batch.AnswerFilter;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.RecordDecodeException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The results of some runs as they are on the results topic now, each reduced to its {@link
 * ResultDigest} and keyed by its pair key. DUPLICATE notices are not results of a run; when a
 * request was answered twice (a repeat outside the dedupe retention) the first answer counts.
 */
public final class RunResults {

    private RunResults() {
    }

    /** Run id -> pair key -> digest, for each of {@code runs} (an empty map for a run without results). */
    public static Map<String, Map<String, ResultDigest>> read(TopicReader reader,
            AvroDeserializer<ScoringResult> deserializer, Set<String> runs) {
        Map<String, Map<String, ResultDigest>> out = new HashMap<>();
        runs.forEach(run -> out.put(run, new HashMap<>()));
        reader.readToEnd(record -> {
            ScoringResult result;
            try {
                result = deserializer.deserialize(record.topic(), record.value());
            } catch (RecordDecodeException e) {
                if (e.isTransient()) {
                    throw e;
                }
                return; // not a result of the contract
            }
            if (result == null || result.getRunId() == null || !runs.contains(result.getRunId())
                    || AnswerFilter.isDuplicateNotice(result)) {
                return;
            }
            ResultDigest digest = ResultDigest.of(result);
            out.get(result.getRunId()).putIfAbsent(digest.pairKey(), digest);
        });
        return out;
    }
}
