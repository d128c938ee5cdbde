package io.logitstream.app.batch;

/** Asks a long-running submit or replay to stop at its next safe point: set by Ctrl-C, or by an interrupt. */
public final class StopSignal {

    private volatile boolean requested;

    public void request() {
        requested = true;
    }

    /** True once requested, or while the calling thread is interrupted. */
    public boolean isSet() {
        return requested || Thread.currentThread().isInterrupted();
    }
}
