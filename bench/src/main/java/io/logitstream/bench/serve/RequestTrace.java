package io.logitstream.bench.serve;

import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What one request went through, on one clock ({@link System#nanoTime()} of the bench JVM): when it
 * was sent, when each of its token chunks arrived (deduplicated on its sequence number, as the
 * contract asks of readers of {@code llm.tokens}), when its final result arrived.
 */
public final class RequestTrace {
    private final String requestId;
    private final int promptIndex;
    private final ConcurrentSkipListMap<Integer, Long> chunkArrivals = new ConcurrentSkipListMap<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile long sentNanos;
    private volatile long doneNanos;
    private volatile ScoringResult result;
    private volatile String failure;

    public RequestTrace(String requestId, int promptIndex) {
        this.requestId = requestId;
        this.promptIndex = promptIndex;
    }

    public String requestId() {
        return requestId;
    }

    /** Which prompt of the workload it carries (to compare its tokens with another side's). */
    public int promptIndex() {
        return promptIndex;
    }

    /** Called by a target right before it hands the request over. */
    public void markSent() {
        markSent(System.nanoTime());
    }

    void markSent(long nanos) {
        sentNanos = nanos;
    }

    public long sentNanos() {
        return sentNanos;
    }

    /** A token chunk arrived; a repeated sequence number (a producer retry) keeps the first arrival. */
    public void chunk(int seq) {
        chunk(seq, System.nanoTime());
    }

    void chunk(int seq, long nanos) {
        chunkArrivals.putIfAbsent(seq, nanos);
    }

    public void finish(ScoringResult r) {
        finish(r, System.nanoTime());
    }

    synchronized void finish(ScoringResult r, long nanos) {
        if (done.getCount() > 0) {
            result = r;
            doneNanos = nanos;
            done.countDown();
        }
    }

    /** The request ended without a result (a dead letter, a broken side). */
    public synchronized void fail(String why) {
        if (done.getCount() > 0) {
            failure = why;
            doneNanos = System.nanoTime();
            done.countDown();
        }
    }

    public boolean await(long deadlineNanos) throws InterruptedException {
        return done.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    public boolean isDone() {
        return done.getCount() == 0;
    }

    public long doneNanos() {
        return doneNanos;
    }

    /** The final result (null while pending or when it failed without one). */
    public ScoringResult result() {
        return result;
    }

    /** Answered with a result of status OK. */
    public boolean ok() {
        return result != null && result.getStatus() == ResultStatus.OK;
    }

    /** Why it did not succeed (null when it did, "no answer" while pending). */
    public String problem() {
        if (ok()) {
            return null;
        }
        if (failure != null) {
            return failure;
        }
        if (result != null) {
            return result.getStatus() + (result.getError() != null ? " " + result.getError().getCode() + ": "
                    + result.getError().getMessage() : "");
        }
        return "no answer";
    }

    /** Send to final result, in seconds (NaN while pending). */
    public double latencySeconds() {
        return isDone() ? (doneNanos - sentNanos) / 1e9 : Double.NaN;
    }

    /** Send to the first token chunk (seq 0, else the earliest one), in seconds; NaN without chunks. */
    public double ttftSeconds() {
        Long first = chunkArrivals.containsKey(0) ? chunkArrivals.get(0)
                : chunkArrivals.values().stream().min(Long::compare).orElse(null);
        return first == null ? Double.NaN : (first - sentNanos) / 1e9;
    }

    /** Mean time between its token chunks: (last - first arrival) / (chunks - 1); NaN under two chunks. */
    public double tpotSeconds() {
        if (chunkArrivals.size() < 2) {
            return Double.NaN;
        }
        long first = chunkArrivals.values().stream().min(Long::compare).orElseThrow();
        long last = chunkArrivals.values().stream().max(Long::compare).orElseThrow();
        return (last - first) / 1e9 / (chunkArrivals.size() - 1);
    }

    public int chunks() {
        return chunkArrivals.size();
    }

    /** New tokens of a generation: the result's completion tokens, else the chunks seen. */
    public int newTokens() {
        if (result != null && result.getGeneration() != null) {
            return result.getGeneration().getCompletionTokens();
        }
        return chunkArrivals.size();
    }

    /** The generated token ids (empty when there is no generation). */
    public int[] newIds() {
        if (result == null || result.getGeneration() == null) {
            return new int[0];
        }
        return result.getGeneration().getNewIds().stream().mapToInt(Integer::intValue).toArray();
    }
}
