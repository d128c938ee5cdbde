package io.logitstream.topology.route;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.ErrorInfo;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The error results the topology answers with itself (no worker saw the request). They copy the
 * request's identity, run id and metadata so a client can match them, but never more than a small
 * bound: a duplicate is answered before it is validated, and a copy of a near-limit request's
 * fields would not fit in a record (the stream thread would stop on it).
 */
final class ErrorResults {

    static final int MAX_COPIED_CHARS = 64 * 1024;
    private static final int MAX_MODEL_CHARS = 256;

    private ErrorResults() {
    }

    static ScoringResult duplicate(PromptRequest request, long firstSeenMs, Duration retention) {
        return error(request, ErrorCodes.DUPLICATE, "Duplicate of request_id '" + request.getRequestId()
                + "', first seen at " + Instant.ofEpochMilli(firstSeenMs) + " (record time), within the dedupe"
                + " retention of " + retention + ": this copy is not served; the original's result or dead letter"
                + " answers it. Send it with a new request_id to run it again.");
    }

    static ScoringResult unknownModel(PromptRequest request, String servedModels) {
        return error(request, ErrorCodes.UNKNOWN_MODEL, "No worker pool serves model '" + request.getModel()
                + "'. Served models: " + servedModels + ". Start a worker for it or fix the model name.");
    }

    private static ScoringResult error(PromptRequest request, String code, String message) {
        boolean small = copiedChars(request) <= MAX_COPIED_CHARS;
        String model = request.getModel();
        return ScoringResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setModel(model.length() <= MAX_MODEL_CHARS ? model : model.substring(0, MAX_MODEL_CHARS) + "...")
                .setTask(request.getTask())
                .setStatus(ResultStatus.ERROR)
                .setError(new ErrorInfo(code, small ? message
                        : message + " (run_id and metadata not copied: larger than " + MAX_COPIED_CHARS + " chars)"))
                .setRunId(small ? request.getRunId() : null)
                .setMetadata(small ? request.getMetadata() : null)
                .build();
    }

    private static long copiedChars(PromptRequest request) {
        long total = request.getRunId() == null ? 0 : request.getRunId().length();
        Map<String, String> metadata = request.getMetadata();
        if (metadata != null) {
            for (var entry : metadata.entrySet()) {
                total += entry.getKey().length() + (entry.getValue() == null ? 0 : entry.getValue().length());
            }
        }
        return total;
    }
}
