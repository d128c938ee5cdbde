package io.logitstream.app.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.app.runs.RunPositions;
import io.logitstream.schema.PromptRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns one line of a batch file into a PromptRequest of the run: the contract's fields as JSON
 * (snake_case, {@code task} as the enum symbol), with {@code request_id} derived from the run and
 * the line when absent (so a re-submit is idempotent), {@code model} from {@code --model} when
 * absent, {@code run_id} set to the run, and the line recorded in the metadata.
 */
public final class RequestLineParser {

    /** One parsed line: a request, or why the line is not one. */
    public record ParsedLine(long line, PromptRequest request, String problem) {
        public boolean valid() {
            return request != null;
        }
    }

    private static final int MAX_PROBLEM_CHARS = 300;

    private final ObjectMapper json = new ObjectMapper();
    private final String run;
    private final String defaultModel;

    /** {@code defaultModel} may be null: then every line names its model. */
    public RequestLineParser(String run, String defaultModel) {
        this.run = RunPositions.checkRunId(run);
        this.defaultModel = defaultModel;
    }

    /** The request id of a line without one. */
    public String derivedRequestId(long line) {
        return RunPositions.requestId(run, line);
    }

    /** Parses {@code text}, the content of 1-based {@code line}; never throws for bad input. */
    public ParsedLine parse(long line, String text) {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (JsonProcessingException e) {
            return invalid(line, "not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return invalid(line, "not a JSON object");
        }
        ObjectNode object = (ObjectNode) node;
        JsonNode runId = object.get("run_id");
        if (runId != null && !runId.isNull() && !run.equals(runId.asText())) {
            return invalid(line, "run_id '" + runId.asText() + "' is not the submitted run '" + run + "'");
        }
        object.put("run_id", run);
        if (isAbsent(object.get("request_id"))) {
            object.put("request_id", derivedRequestId(line));
        }
        if (isAbsent(object.get("model"))) {
            if (defaultModel == null) {
                return invalid(line, "no model: give \"model\" on the line or --model");
            }
            object.put("model", defaultModel);
        }
        PromptRequest request;
        try {
            request = JsonToAvro.read(object, PromptRequest.getClassSchema());
        } catch (JsonToAvro.MismatchException e) {
            return invalid(line, e.getMessage());
        }
        if (request.getRequestId().isBlank()) {
            return invalid(line, "request_id is blank");
        }
        Map<String, String> metadata = request.getMetadata() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(request.getMetadata());
        metadata.put(RunPositions.LINE_KEY, Long.toString(line));
        request.setMetadata(metadata);
        return new ParsedLine(line, request, null);
    }

    private static boolean isAbsent(JsonNode value) {
        return value == null || value.isNull();
    }

    private static ParsedLine invalid(long line, String problem) {
        String shown = problem.length() <= MAX_PROBLEM_CHARS ? problem
                : problem.substring(0, MAX_PROBLEM_CHARS - 3) + "...";
        return new ParsedLine(line, null, shown);
    }
}
