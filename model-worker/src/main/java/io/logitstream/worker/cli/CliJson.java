package io.logitstream.worker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.EngineVersion;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoadException;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.tokenizer.TokenizerException;
import io.logitstream.worker.engine.weights.CheckpointException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** JSON building and error reporting shared by the engine commands: one JSON object on stdout. */
final class CliJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Exit code for a request the model cannot serve (bad input, context too long, bad model). */
    static final int EXIT_INVALID = 2;

    private CliJson() {
    }

    static ObjectNode header(LoadedModel m) {
        ObjectNode o = F.objectNode();
        o.put("model", m.name());
        o.put("model_fingerprint", m.fingerprint().value());
        o.put("engine_version", EngineVersion.VALUE);
        return o;
    }

    static ArrayNode ints(int[] values) {
        ArrayNode a = F.arrayNode();
        for (int v : values) {
            a.add(v);
        }
        return a;
    }

    static ArrayNode floats(float[] values) {
        ArrayNode a = F.arrayNode();
        for (float v : values) {
            if (Float.isFinite(v)) {
                a.add(v);
            } else {
                a.addNull();
            }
        }
        return a;
    }

    /** A double, or null when it is NaN/infinite (JSON has no NaN). */
    static void putNumber(ObjectNode o, String field, double v) {
        if (Double.isFinite(v)) {
            o.put(field, v);
        } else {
            o.putNull(field);
        }
    }

    static void print(PrintWriter out, ObjectNode json) {
        try {
            out.println(MAPPER.writeValueAsString(json));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs a command body; known request/model errors become one line on stderr and exit code 2
     * (a stack trace would bury the message), anything else propagates to picocli.
     */
    static int run(PrintWriter err, Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (ContextLengthExceededException | ModelLoadException | ConfigException | TokenizerException
                | CheckpointException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            err.flush();
            return EXIT_INVALID;
        }
    }
}
