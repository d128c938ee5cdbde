package io.logitstream.worker.kafka;

import java.util.NavigableSet;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;

/**
 * What one partition's worker knows about its offsets when requests finish out of order; used by
 * the poll thread only.
 *
 * <p>The offset to commit is the partition's first offset not known to be done: the first admitted
 * request still in flight, or, when none is, the next offset not yet read. The offsets that are done
 * beyond it (completed out of order, or inherited from the previous commit's metadata) travel in
 * the commit's metadata ({@link CompletedOffsetsCodec}). Offsets the consumer never returns
 * (transaction markers, aborted records) are gaps: once a later offset was read they count as done.
 *
 * <p>Window: a record more than {@link CompletedOffsetsCodec#span()} offsets past the commit offset
 * is not admitted ({@link #fitsWindow}), so the metadata always fits the broker's limit.
 */
final class OffsetTracker {

    /** What to do with a record at a given offset. */
    enum Verdict {
        /** Not seen before and inside the window: decode and admit it. */
        ADMIT,
        /** Already admitted, or done before (a re-read after a seek, or completed in a previous commit). */
        SKIP,
        /** Too far ahead of the commit offset: hold it until the head of the partition completes. */
        BEYOND_WINDOW
    }

    private final CompletedOffsetsCodec codec;
    /** Every offset below it is done; it is the offset to commit. -1 until the first record anchors it. */
    private long floor;
    /** One past the highest offset admitted or skipped. */
    private long next;
    private final NavigableSet<Long> inFlight = new TreeSet<>();
    /** Done offsets above {@link #floor}. */
    private final NavigableSet<Long> done;

    private OffsetTracker(CompletedOffsetsCodec codec, long floor, NavigableSet<Long> done) {
        this.codec = codec;
        this.floor = floor;
        this.next = floor;
        this.done = done;
        advanceFloor();
    }

    /** A tracker for a partition with nothing committed yet: the first record read anchors it. */
    static OffsetTracker fresh(CompletedOffsetsCodec codec) {
        return new OffsetTracker(codec, -1, new TreeSet<>());
    }

    /** A tracker resuming from a commit: its offset, and the completed offsets its metadata carries. */
    static OffsetTracker resume(CompletedOffsetsCodec codec, OffsetAndMetadata committed) {
        return new OffsetTracker(codec, committed.offset(), codec.decode(committed.offset(), committed.metadata()));
    }

    Verdict classify(long offset) {
        if (floor < 0) {
            floor = offset;
            next = offset;
        }
        if (offset < next || offset < floor || done.contains(offset)) {
            next = Math.max(next, offset + 1);
            advanceFloor();
            return Verdict.SKIP;
        }
        // The consumer reads in order and is only ever sent back, never ahead: the offsets it jumped
        // over (markers, aborted or deleted records) do not exist for this worker.
        next = offset;
        advanceFloor();
        return fitsWindow(offset) ? Verdict.ADMIT : Verdict.BEYOND_WINDOW;
    }

    /** True when a record at this offset may be admitted without the metadata outgrowing its limit. */
    boolean fitsWindow(long offset) {
        return floor < 0 || offset - floor <= codec.span();
    }

    /** The request at this offset was submitted and is now in flight. */
    void admitted(long offset) {
        if (offset < next) {
            throw new IllegalStateException("Offset " + offset + " admitted twice (next is " + next + ")");
        }
        inFlight.add(offset);
        next = offset + 1;
    }

    /** The record at this offset is done: its result (or dead letter) goes out with the next commit. */
    void completed(long offset) {
        if (!inFlight.remove(offset)) {
            throw new IllegalStateException("Offset " + offset + " completed but was not in flight");
        }
        done.add(offset);
        advanceFloor();
    }

    /** The offset to commit, and the completed offsets beyond it as metadata. */
    OffsetAndMetadata toCommit() {
        return new OffsetAndMetadata(floor, codec.encode(floor, done));
    }

    /** The offset to commit: the first offset not known to be done; -1 before the first record. */
    long commitOffset() {
        return floor;
    }

    int inFlight() {
        return inFlight.size();
    }

    /** Offsets done beyond the commit offset (completed out of order or inherited). */
    int doneAhead() {
        return done.size();
    }

    private void advanceFloor() {
        if (floor < 0) {
            return;
        }
        long candidate = inFlight.isEmpty() ? Math.max(floor, next) : inFlight.first();
        while (done.contains(candidate)) {
            candidate++;
        }
        floor = Math.max(floor, candidate);
        done.headSet(floor, false).clear();
    }
}
