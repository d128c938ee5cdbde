package io.logitstream.worker.engine.generation;

import java.util.List;

/**
 * Finds stop strings in streamed text without ever emitting part of one: text that could still
 * become the start of a stop string is held back until it can't. When a stop string completes,
 * the text before it is released and generation ends; the stop string itself is not emitted.
 */
final class StopStringMatcher {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    StopStringMatcher(List<String> stops) {
        this.stops = List.copyOf(stops);
    }

    boolean isEmpty() {
        return stops.isEmpty();
    }

    /** Adds a text delta; returns the text that is now safe to emit. */
    String add(String delta) {
        if (stopped) {
            return "";
        }
        pending.append(delta);
        int cut = firstStop();
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int hold = longestPartialStop();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** Whether a stop string has been seen. */
    boolean stopped() {
        return stopped;
    }

    /** Releases held-back text at the end of generation. */
    String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Cuts {@code text} at the first stop string, if any. */
    String truncate(String text) {
        int cut = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        return cut < 0 ? text : text.substring(0, cut);
    }

    private int firstStop() {
        int cut = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        return cut;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of a stop string. */
    private int longestPartialStop() {
        String text = pending.toString();
        int best = 0;
        for (String stop : stops) {
            for (int len = Math.min(stop.length() - 1, pending.length()); len > best; len--) {
                if (text.regionMatches(text.length() - len, stop, 0, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}
