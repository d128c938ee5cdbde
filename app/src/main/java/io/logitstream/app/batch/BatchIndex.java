package io.logitstream.app.batch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a batch file holds, read once before anything is sent: each request's id and line (so an
 * answer can be put back in input order), the lines that are not requests and why, and the blank
 * lines (skipped, no answer). Only ids and line numbers are kept, not the requests: a 100,000-line
 * file costs a few megabytes here.
 */
public final class BatchIndex {

    /** Reads the lines of a batch file (UTF-8, malformed bytes replaced) one at a time. */
    public static BufferedReader open(Path input) throws IOException {
        return new BufferedReader(new InputStreamReader(Files.newInputStream(input), StandardCharsets.UTF_8),
                1 << 16);
    }

    private final Map<String, Integer> lineByRequestId = new HashMap<>();
    private final Map<Integer, String> problems = new TreeMap<>();
    private final BitSet blank = new BitSet();
    private int lines;

    private BatchIndex() {
    }

    public static BatchIndex scan(Path input, RequestLineParser parser) throws IOException {
        BatchIndex index = new BatchIndex();
        try (BufferedReader reader = open(input)) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                index.add(parser, text);
            }
        }
        return index;
    }

    private void add(RequestLineParser parser, String text) {
        int line = ++lines;
        if (text.isBlank()) {
            blank.set(line);
            return;
        }
        RequestLineParser.ParsedLine parsed = parser.parse(line, text);
        if (!parsed.valid()) {
            problems.put(line, parsed.problem());
            return;
        }
        String id = parsed.request().getRequestId();
        Integer earlier = lineByRequestId.putIfAbsent(id, line);
        if (earlier != null) {
            problems.put(line, "request_id '" + id + "' repeats line " + earlier);
        }
    }

    /** Physical lines in the file, blank ones included. */
    public int lines() {
        return lines;
    }

    /** Lines that hold a request to send. */
    public int requests() {
        return lineByRequestId.size();
    }

    public Map<String, Integer> lineByRequestId() {
        return lineByRequestId;
    }

    /** Why {@code line} is not a request, or null when it is one (or blank). */
    public String problem(int line) {
        return problems.get(line);
    }

    public Map<Integer, String> problems() {
        return problems;
    }

    public boolean isBlank(int line) {
        return blank.get(line);
    }

    /** True when {@code line} holds a request to send (not blank, not invalid, not a repeated id). */
    public boolean isRequest(int line) {
        return !blank.get(line) && !problems.containsKey(line);
    }
}
