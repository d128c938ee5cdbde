package io.logitstream.app.runs;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a request sits in its run, so that two runs of the same requests can be paired. {@code
 * submit} derives request ids from the run and the input line ({@code RUN-000042}), which makes a
 * re-submit idempotent, and records the line in the request's metadata (copied to its result), so
 * the position survives user-chosen request ids. {@code replay} copies that metadata and records
 * which request a replayed one repeats, so requests that never had a line still pair up.
 */
public final class RunPositions {

    /** Metadata key: the 1-based line of the request in the submitted file. */
    public static final String LINE_KEY = "logitstream.line";
    /** Metadata key: the request id of the first run's request that this one replays. */
    public static final String ORIGIN_KEY = "logitstream.origin";

    /** Run ids name files (state, results), so they stay within a portable file-name alphabet. */
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    private RunPositions() {
    }

    /** The request id of the request at {@code position} (1-based) of {@code run}: {@code RUN-000042}. */
    public static String requestId(String run, long position) {
        String digits = Long.toString(position);
        return run + "-" + "000000".substring(Math.min(6, digits.length())) + digits; // String.format is slow here
    }

    /** Throws with a message for a person when {@code run} cannot name a run's files. */
    public static String checkRunId(String run) {
        if (run == null || !RUN_ID.matcher(run).matches()) {
            throw new IllegalArgumentException("run id '" + run + "' must be 1 to 200 letters, digits, '.', '_'"
                    + " or '-', starting with a letter or digit (it names the run's state and results files)");
        }
        return run;
    }

    /** The line recorded in {@code metadata}, or 0 when there is none (or it is not a number). */
    public static long line(Map<String, String> metadata) {
        String value = metadata == null ? null : metadata.get(LINE_KEY);
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The key that pairs a request (or its result) with its counterpart in another run: its input
     * line when it has one, else the request it replays (transitively: a replay of a replay names
     * the first one), else its own request id.
     */
    public static String pairKey(String requestId, Map<String, String> metadata) {
        long line = line(metadata);
        if (line > 0) {
            return "line " + line;
        }
        String origin = metadata == null ? null : metadata.get(ORIGIN_KEY);
        return "request " + (origin != null ? origin : requestId);
    }

    /** What a replay records as its origin: the origin of the original when it has one, else its id. */
    public static String originOf(String requestId, Map<String, String> metadata) {
        String origin = metadata == null ? null : metadata.get(ORIGIN_KEY);
        return origin != null ? origin : requestId;
    }
}
