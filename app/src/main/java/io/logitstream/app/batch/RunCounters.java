package io.logitstream.app.batch;

import java.util.concurrent.atomic.AtomicInteger;

/** Live counts of a submit or replay, shared by the sender, the collector and the progress line. */
public final class RunCounters {

    /** Lines that get a line in the results file (requests and lines that are not requests). */
    final int total;
    /** Requests to send, in this process or an earlier one. */
    final int toSend;
    final AtomicInteger sent = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    final AtomicInteger duplicateNotices = new AtomicInteger();

    public RunCounters(int total, int toSend) {
        this.total = total;
        this.toSend = toSend;
    }

    /** The broker acknowledged one more request. */
    public void acknowledged() {
        sent.incrementAndGet();
    }

    /** One more line is answered. */
    public void answered(boolean ok) {
        done.incrementAndGet();
        if (!ok) {
            errors.incrementAndGet();
        }
    }

    public int total() {
        return total;
    }

    public int sent() {
        return sent.get();
    }

    public int done() {
        return done.get();
    }

    public int errors() {
        return errors.get();
    }

    public int duplicateNotices() {
        return duplicateNotices.get();
    }
}
