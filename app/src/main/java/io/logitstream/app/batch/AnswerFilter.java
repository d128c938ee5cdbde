package io.logitstream.app.batch;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import java.util.Map;

/**
 * Decides which records of the results and dead-letter topics answer a request of the run, and at
 * which line. A result answers when it names one of the run's request ids and the run (or no run:
 * the topology leaves it out of an error result when the request's metadata is huge). A DUPLICATE
 * notice never answers: it says a repeated copy was dropped, and the original's own answer is the
 * one that counts. A dead letter answers by its request id.
 */
public final class AnswerFilter {

    /** An answer to the request of {@code line}, as its results-file line. */
    public record Answer(int line, String json, boolean ok) {
    }

    private final String run;
    private final Map<String, Integer> lineByRequestId;

    public AnswerFilter(String run, Map<String, Integer> lineByRequestId) {
        this.run = run;
        this.lineByRequestId = lineByRequestId;
    }

    /** The answer {@code result} gives, or null when it answers none of the run's requests. */
    public Answer of(ScoringResult result) {
        Integer line = lineByRequestId.get(result.getRequestId());
        if (line == null || (result.getRunId() != null && !run.equals(result.getRunId()))) {
            return null;
        }
        if (isDuplicateNotice(result)) {
            return null;
        }
        return new Answer(line, AnswerLines.result(line, result), result.getStatus() == ResultStatus.OK);
    }

    /** The answer {@code letter} gives, or null when it answers none of the run's requests. */
    public Answer of(DeadLetter letter) {
        Integer line = letter.getRequestId() == null ? null : lineByRequestId.get(letter.getRequestId());
        return line == null ? null : new Answer(line, AnswerLines.deadLetter(line, letter), false);
    }

    public static boolean isDuplicateNotice(ScoringResult result) {
        return result.getStatus() == ResultStatus.ERROR && result.getError() != null
                && ErrorCodes.DUPLICATE.equals(result.getError().getCode());
    }
}
