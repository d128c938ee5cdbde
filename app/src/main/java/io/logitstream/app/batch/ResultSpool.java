package io.logitstream.app.batch;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.function.IntFunction;

/**
 * Answers kept on disk in arrival order, one JSON line each, with an index (offset and length per
 * input line) in memory: 12 bytes per line, so 100,000 answers of any size stay out of the heap
 * until they are written, in input order, to the results file.
 */
public final class ResultSpool implements AutoCloseable {

    private final Path file;
    private final OutputStream out;
    private final long[] offsets;
    private final int[] lengths;
    private long written;
    private int count;

    /** A fresh spool (the file is truncated) for lines 1..{@code lines}. */
    public ResultSpool(Path file, int lines) throws IOException {
        this.file = file;
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        this.offsets = new long[lines + 1];
        this.lengths = new int[lines + 1];
        Arrays.fill(offsets, -1);
    }

    /** Keeps the answer of {@code line}; false (and nothing kept) when it already has one. */
    public synchronized boolean put(int line, String json) throws IOException {
        if (offsets[line] >= 0) {
            return false;
        }
        byte[] bytes = (json + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        offsets[line] = written;
        lengths[line] = bytes.length;
        written += bytes.length;
        count++;
        return true;
    }

    public synchronized boolean has(int line) {
        return offsets[line] >= 0;
    }

    /** Answers kept so far. */
    public synchronized int count() {
        return count;
    }

    /**
     * Writes one line per input line, in input order, to {@code target} (through a temporary file
     * moved into place): the kept answer, else {@code fallback}'s line; a null fallback writes nothing
     * for that line (a blank input line).
     */
    public synchronized void writeInOrder(Path target, IntFunction<String> fallback) throws IOException {
        out.flush();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (RandomAccessFile spool = new RandomAccessFile(file.toFile(), "r");
                OutputStream result = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            byte[] buffer = new byte[1 << 16];
            for (int line = 1; line < offsets.length; line++) {
                if (offsets[line] >= 0) {
                    if (buffer.length < lengths[line]) {
                        buffer = new byte[lengths[line]];
                    }
                    spool.seek(offsets[line]);
                    spool.readFully(buffer, 0, lengths[line]);
                    result.write(buffer, 0, lengths[line]);
                } else {
                    String replacement = fallback.apply(line);
                    if (replacement != null) {
                        result.write((replacement + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Closes and deletes the spool file. */
    @Override
    public synchronized void close() throws IOException {
        out.close();
        Files.deleteIfExists(file);
    }
}
