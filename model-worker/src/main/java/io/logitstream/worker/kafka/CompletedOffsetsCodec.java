package io.logitstream.worker.kafka;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Encodes the offsets of a partition that completed beyond its committed offset into the offset
 * commit's metadata string, as Confluent's Parallel Consumer does, so that a restarted or newly
 * assigned worker skips them. Offsets are relative to the committed offset {@code c} (which is, by
 * definition, not complete): position {@code i} stands for offset {@code c + 1 + i}.
 *
 * <p>Two forms, whichever is shorter, each a version tag plus unpadded URL-safe base64:
 * <ul>
 *   <li>{@code ls1b:} a bitmap, bit {@code i} (byte {@code i / 8}, least significant bit first) set when
 *       offset {@code c + 1 + i} is complete;</li>
 *   <li>{@code ls1r:} run lengths as unsigned LEB128 varints, alternating incomplete and complete runs,
 *       starting with an incomplete run (possibly empty) and ending with a complete one.</li>
 * </ul>
 * An empty string means nothing completed beyond the committed offset. Metadata that carries neither
 * tag (empty, or written by another tool) is read as an empty set.
 *
 * <p>Bound: the broker rejects metadata longer than {@code offset.metadata.max.bytes} (4096 by
 * default). The bitmap of every completed set within {@link #span()} offsets after the committed
 * one fits in {@code maxBytes}, and the chosen form is never longer than the bitmap, so any such
 * set fits. The worker never admits a record further than {@link #span()} past its partition's
 * committed offset (24,544 offsets for 4096 bytes); see {@link OffsetTracker#fitsWindow}.
 */
final class CompletedOffsetsCodec {

    static final String BITMAP_TAG = "ls1b:";
    static final String RUNS_TAG = "ls1r:";
    /** Smallest metadata limit that leaves room for a useful window (16 offsets). */
    static final int MIN_METADATA_BYTES = 8;
    /** Decoding refuses sets spanning more offsets than any sane metadata limit (1 MiB) allows. */
    static final long MAX_DECODED_SPAN = 8L * 1024 * 1024;

    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final int maxBytes;
    private final int span;

    CompletedOffsetsCodec(int maxBytes) {
        if (maxBytes < MIN_METADATA_BYTES) {
            throw new IllegalArgumentException("metadata limit must be >= " + MIN_METADATA_BYTES + " bytes");
        }
        this.maxBytes = maxBytes;
        // Largest bitmap whose unpadded base64 (ceil(4n/3) characters) fits after the tag.
        int characters = maxBytes - BITMAP_TAG.length();
        this.span = (characters * 3 / 4) * 8;
    }

    /** How many offsets after the committed one an encoded set may cover. */
    int span() {
        return span;
    }

    int maxBytes() {
        return maxBytes;
    }

    /**
     * The metadata for a commit at {@code committed}; {@code completed} holds offsets greater than
     * {@code committed} and at most {@code committed + span()}.
     */
    String encode(long committed, NavigableSet<Long> completed) {
        if (completed.isEmpty()) {
            return "";
        }
        if (completed.first() <= committed || completed.last() - committed > span) {
            throw new IllegalArgumentException("Completed offsets " + completed.first() + ".." + completed.last()
                    + " outside the window (" + committed + ", " + (committed + span) + "]");
        }
        String bitmap = BITMAP_TAG + ENCODER.encodeToString(bitmap(committed, completed));
        String runs = RUNS_TAG + ENCODER.encodeToString(runs(committed, completed));
        return runs.length() < bitmap.length() ? runs : bitmap;
    }

    /** The completed offsets a commit at {@code committed} carried; empty for foreign or empty metadata. */
    NavigableSet<Long> decode(long committed, String metadata) {
        NavigableSet<Long> completed = new TreeSet<>();
        if (metadata == null || !isOurs(metadata)) {
            return completed;
        }
        byte[] bytes;
        try {
            bytes = DECODER.decode(metadata.substring(BITMAP_TAG.length()).getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Offset metadata is not valid base64: " + e.getMessage(), e);
        }
        if (metadata.startsWith(BITMAP_TAG)) {
            for (int i = 0; i < bytes.length * 8; i++) {
                if ((bytes[i >> 3] & (1 << (i & 7))) != 0) {
                    completed.add(committed + 1 + i);
                }
            }
        } else {
            readRuns(committed, bytes, completed);
        }
        return completed;
    }

    /** True when the metadata was written by this codec (any version it knows). */
    static boolean isOurs(String metadata) {
        return metadata.startsWith(BITMAP_TAG) || metadata.startsWith(RUNS_TAG);
    }

    private static byte[] bitmap(long committed, NavigableSet<Long> completed) {
        byte[] bits = new byte[(int) ((completed.last() - committed - 1) / 8 + 1)];
        for (long offset : completed) {
            int i = (int) (offset - committed - 1);
            bits[i >> 3] |= (byte) (1 << (i & 7));
        }
        return bits;
    }

    private static byte[] runs(long committed, NavigableSet<Long> completed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long expected = committed + 1; // next offset not yet covered by a run
        Iterator<Long> it = completed.iterator();
        long runStart = -1;
        long previous = -1;
        while (it.hasNext()) {
            long offset = it.next();
            if (runStart >= 0 && offset == previous + 1) {
                previous = offset;
                continue;
            }
            if (runStart >= 0) {
                writeVarint(out, previous - runStart + 1);
                expected = previous + 1;
            }
            writeVarint(out, offset - expected);
            runStart = offset;
            previous = offset;
        }
        writeVarint(out, previous - runStart + 1);
        return out.toByteArray();
    }

    private static void readRuns(long committed, byte[] bytes, NavigableSet<Long> completed) {
        long offset = committed + 1;
        boolean complete = false;
        int[] position = {0};
        while (position[0] < bytes.length) {
            long length = readVarint(bytes, position);
            if (length > MAX_DECODED_SPAN || offset + length - committed > MAX_DECODED_SPAN) {
                throw new IllegalArgumentException("Offset metadata covers more than " + MAX_DECODED_SPAN + " offsets");
            }
            if (complete) {
                for (long i = 0; i < length; i++) {
                    completed.add(offset + i);
                }
            }
            offset += length;
            complete = !complete;
        }
    }

    private static void writeVarint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    private static long readVarint(byte[] bytes, int[] position) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position[0] >= bytes.length) {
                throw new IllegalArgumentException("Offset metadata ends inside a run length");
            }
            byte b = bytes[position[0]++];
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("Offset metadata has a run length longer than 64 bits");
    }
}
