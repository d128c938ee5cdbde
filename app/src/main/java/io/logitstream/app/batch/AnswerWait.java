package io.logitstream.app.batch;

import java.time.Duration;

/** Waits for every answer of a run while the progress line follows them. */
public final class AnswerWait {

    public enum Outcome { COMPLETE, IDLE, STOPPED }

    private static final long TICK_MS = 250;

    private AnswerWait() {
    }

    /**
     * Returns when every line is answered, when no answer came for {@code idleLimit}, or when
     * {@code stop} is set (an interrupt sets it too).
     *
     * @throws IllegalStateException when the collector failed
     */
    public static Outcome await(RunCounters counters, AnswerCollector collector, ProgressMeter meter,
            ProgressPrinter progress, Duration idleLimit, StopSignal stop) {
        long lastAnswer = System.nanoTime();
        int lastDone = counters.done();
        try {
            while (counters.done() < counters.total()) {
                RuntimeException failure = collector.failure();
                if (failure != null) {
                    throw new IllegalStateException("reading the answers failed: " + failure.getMessage(), failure);
                }
                if (stop.isSet()) {
                    return Outcome.STOPPED;
                }
                if (counters.done() != lastDone) {
                    lastDone = counters.done();
                    lastAnswer = System.nanoTime();
                } else if (System.nanoTime() - lastAnswer > idleLimit.toNanos()) {
                    return Outcome.IDLE;
                }
                progress.tick(meter.line(counters));
                try {
                    Thread.sleep(TICK_MS);
                } catch (InterruptedException e) {
                    stop.request();
                }
            }
            return Outcome.COMPLETE;
        } finally {
            progress.finish(meter.line(counters));
        }
    }
}
