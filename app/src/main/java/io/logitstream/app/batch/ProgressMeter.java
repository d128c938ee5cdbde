package io.logitstream.app.batch;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress line of a submit or replay: sent, done, errors, the answer rate over the last ten
 * seconds and the time left at that rate. {@link #line} is pure given the clock.
 */
public final class ProgressMeter {

    private static final long WINDOW_MS = 10_000;

    private record Sample(long atMs, int sent, int done) {
    }

    private final String run;
    private final LongSupplier clockMs;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    public ProgressMeter(String run, LongSupplier clockMs) {
        this.run = run;
        this.clockMs = clockMs;
    }

    /** The line for these counts, taking them as a sample for the rates. */
    public String line(RunCounters counts) {
        long now = clockMs.getAsLong();
        int sent = counts.sent();
        int done = counts.done();
        samples.addLast(new Sample(now, sent, done));
        while (samples.size() > 2 && samples.peekFirst().atMs() < now - WINDOW_MS) {
            samples.removeFirst();
        }
        Sample first = samples.peekFirst();
        double seconds = (now - first.atMs()) / 1000.0;
        double sendRate = seconds > 0 ? (sent - first.sent()) / seconds : 0;
        double doneRate = seconds > 0 ? (done - first.done()) / seconds : 0;
        StringBuilder line = new StringBuilder(run).append(": sent ").append(sent).append('/').append(counts.toSend);
        if (sent < counts.toSend) {
            line.append(String.format(Locale.ROOT, " (%.0f/s)", sendRate));
        }
        line.append("  done ").append(done).append('/').append(counts.total)
                .append("  errors ").append(counts.errors())
                .append(String.format(Locale.ROOT, "  %.1f/s", doneRate))
                .append("  ETA ").append(eta(counts.total - done, doneRate));
        return line.toString();
    }

    static String eta(int remaining, double ratePerSecond) {
        if (remaining <= 0) {
            return "0s";
        }
        if (ratePerSecond <= 0) {
            return "--";
        }
        long seconds = (long) Math.ceil(remaining / ratePerSecond);
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return (seconds / 60) + "m" + String.format(Locale.ROOT, "%02d", seconds % 60) + "s";
        }
        return (seconds / 3600) + "h" + String.format(Locale.ROOT, "%02d", (seconds % 3600) / 60) + "m";
    }
}
