package io.logitstream.app.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.BitSet;

/**
 * How far a submit got, kept in a small file beside its output so a killed submit resumes where it
 * stopped: the lines whose requests the broker acknowledged (as ranges, so the file stays small
 * whatever order the acknowledgements came in), and how many answers were collected. A restarted
 * submit sends only the lines not acknowledged. A line sent but not yet recorded when the process
 * died is sent again under the same request id; the topology's dedupe answers that copy with a
 * DUPLICATE notice, which submit does not take as an answer.
 */
public final class SubmitState {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final String run;
    private final String input;
    private final int lines;
    private final BitSet acked = new BitSet();
    private volatile int collected;
    private volatile boolean complete;

    private SubmitState(Path file, String run, String input, int lines) {
        this.file = file;
        this.run = run;
        this.input = input;
        this.lines = lines;
    }

    /** The state file of {@code run} for results written to {@code out}: {@code .RUN.submit-state} beside it. */
    public static Path fileFor(Path out, String run) {
        Path dir = out.toAbsolutePath().getParent();
        return dir.resolve("." + run + ".submit-state");
    }

    /**
     * The saved state when there is one for this run and input, a fresh one otherwise.
     *
     * @throws IllegalStateException when the file belongs to another input or the input changed
     */
    public static SubmitState loadOrCreate(Path file, String run, Path inputPath, int lines) throws IOException {
        String input = inputPath.toAbsolutePath().normalize().toString();
        SubmitState state = new SubmitState(file, run, input, lines);
        if (!Files.exists(file)) {
            return state;
        }
        JsonNode saved = JSON.readTree(file.toFile());
        String savedRun = saved.path("run").asText();
        String savedInput = saved.path("input").asText();
        int savedLines = saved.path("lines").asInt();
        if (!run.equals(savedRun) || !input.equals(savedInput) || savedLines != lines) {
            throw new IllegalStateException("the state file " + file + " belongs to run '" + savedRun + "' of "
                    + savedInput + " (" + savedLines + " lines), not to run '" + run + "' of " + input + " ("
                    + lines + " lines); delete it to start over (requests already sent keep their request ids,"
                    + " so the topology answers repeats with DUPLICATE notices) or submit under another --run");
        }
        for (JsonNode range : saved.path("acked")) {
            state.acked.set(range.get(0).asInt(), range.get(1).asInt() + 1);
        }
        state.collected = saved.path("collected").asInt();
        state.complete = saved.path("complete").asBoolean();
        return state;
    }

    public Path file() {
        return file;
    }

    /** Records that the broker acknowledged the request of {@code line}. Called from the producer's thread. */
    public synchronized void acked(int line) {
        acked.set(line);
    }

    public synchronized boolean isAcked(int line) {
        return acked.get(line);
    }

    public synchronized int ackedCount() {
        return acked.cardinality();
    }

    public void collected(int count) {
        this.collected = count;
    }

    public void complete(boolean done) {
        this.complete = done;
    }

    public boolean isComplete() {
        return complete;
    }

    /** Writes the state atomically: a reader (or a restart) sees the old file or the new one, never half. */
    public void save() throws IOException {
        ObjectNode out = JSON.createObjectNode();
        out.put("run", run);
        out.put("input", input);
        out.put("lines", lines);
        ArrayNode ranges = out.putArray("acked");
        synchronized (this) {
            for (int from = acked.nextSetBit(0); from >= 0; ) {
                int to = acked.nextClearBit(from) - 1;
                ranges.addArray().add(from).add(to);
                from = acked.nextSetBit(to + 1);
            }
        }
        out.put("collected", collected);
        out.put("complete", complete);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), out);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
