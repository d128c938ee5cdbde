package io.logitstream.worker.serving;

/**
 * Bytes held between two threads, bounded: {@link #acquire} waits while taking more would pass the
 * limit. One claim larger than the limit still passes when nothing else is held, so no claim
 * waits forever.
 */
final class ByteBudget {
    private final long limit;
    private long held;

    ByteBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("a byte budget must be positive, not " + limit);
        }
        this.limit = limit;
    }

    /** Waits until {@code bytes} fit, then holds them; an interrupt gives up holding nothing. */
    synchronized void acquire(long bytes) throws InterruptedException {
        while (held > 0 && held + bytes > limit) {
            wait();
        }
        held += bytes;
    }

    synchronized void release(long bytes) {
        held -= bytes;
        notifyAll();
    }

    synchronized long held() {
        return held;
    }
}
