package io.logitstream.topology.route;

import io.logitstream.serde.RecordDecodeException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a decode that failed for a transient reason (the registry unreachable or failing), a few
 * times with doubling backoff, on the stream thread. Waiting here keeps the other records' order and
 * avoids replacing the thread (a rebalance); the total wait (1.5 s by default) stays well inside
 * the exactly-once transaction timeout. When every attempt fails the record is given up on
 * ({@link GaveUp}) and dead-lettered with its bytes, to be replayed: never retried forever.
 */
public final class DecodeRetry {

    private static final Logger log = LoggerFactory.getLogger(DecodeRetry.class);
    public static final int DEFAULT_ATTEMPTS = 5;
    public static final long DEFAULT_FIRST_BACKOFF_MS = 100;

    /** Pauses the thread; tests pass one that records instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /** Every attempt failed for a transient reason; the message says how often and why. */
    public static final class GaveUp extends RuntimeException {
        GaveUp(String message, RecordDecodeException last) {
            super(message, last);
        }
    }

    private final int attempts;
    private final long firstBackoffMs;
    private final Sleeper sleeper;

    public DecodeRetry(int attempts, long firstBackoffMs, Sleeper sleeper) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
        }
        this.attempts = attempts;
        this.firstBackoffMs = firstBackoffMs;
        this.sleeper = sleeper;
    }

    public static DecodeRetry defaults() {
        return new DecodeRetry(DEFAULT_ATTEMPTS, DEFAULT_FIRST_BACKOFF_MS, Thread::sleep);
    }

    /**
     * The decoded value; rethrows a permanent {@link RecordDecodeException} at once, throws
     * {@link GaveUp} after {@code attempts} transient failures, and rethrows the transient failure
     * when the thread is interrupted while waiting (it is shutting down: the record is read again).
     */
    public <T> T call(Supplier<T> decode, String record) {
        long backoff = firstBackoffMs;
        for (int attempt = 1; ; attempt++) {
            try {
                return decode.get();
            } catch (RecordDecodeException e) {
                if (!e.isTransient()) {
                    throw e;
                }
                if (attempt >= attempts) {
                    throw new GaveUp(e.error() + ": gave up after " + attempts + " attempts: " + e.getMessage(), e);
                }
                log.warn("Cannot decode {} now (attempt {} of {}): {}; retrying in {} ms", record, attempt, attempts,
                        e.getMessage(), backoff);
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff *= 2;
            }
        }
    }
}
