package io.logitstream.app.batch;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroToJson;

/**
 * The lines of a results file. Every line is a JSON object with the input {@code line}, the
 * {@code request_id} and a {@code status}; an answer is the ScoringResult's fields as they are, and
 * whatever else answers a line (a dead letter, a line that is not a request, a request that got no
 * answer) is an ERROR with an {@code error.code} and {@code error.message}, like an error result.
 */
public final class AnswerLines {

    /** The line is not a request (not JSON, a field of the wrong type, a repeated request_id). */
    public static final String INVALID_LINE = "INVALID_LINE";
    /** The broker refused the request (too large for the topic, for example). */
    public static final String SEND_FAILED = "SEND_FAILED";
    /** Nothing answered the request before submit stopped waiting. */
    public static final String NO_RESULT = "NO_RESULT";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AnswerLines() {
    }

    public static String result(int line, ScoringResult result) {
        ObjectNode out = NODES.objectNode();
        out.put("line", line);
        AvroToJson.fill(out, result);
        return out.toString();
    }

    public static String deadLetter(int line, DeadLetter letter) {
        ObjectNode out = error(line, letter.getRequestId(), letter.getErrorCode(), letter.getErrorMessage());
        ObjectNode where = out.putObject("dead_letter");
        where.put("stage", letter.getStage());
        where.put("source_topic", letter.getSourceTopic());
        where.put("source_partition", letter.getSourcePartition());
        where.put("source_offset", letter.getSourceOffset());
        where.put("application", letter.getApplication());
        return out.toString();
    }

    public static String invalidLine(int line, String problem) {
        return error(line, null, INVALID_LINE, problem).toString();
    }

    public static String sendFailed(int line, String requestId, String message) {
        return error(line, requestId, SEND_FAILED, message).toString();
    }

    public static String unanswered(int line, String requestId, String message) {
        return error(line, requestId, NO_RESULT, message).toString();
    }

    private static ObjectNode error(int line, String requestId, String code, String message) {
        ObjectNode out = NODES.objectNode();
        out.put("line", line);
        out.put("request_id", requestId);
        out.put("status", "ERROR");
        ObjectNode error = out.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return out;
    }
}
