package io.logitstream.topology.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Label values taken from requests (model names): the first {@code max} distinct ones are kept,
 * later ones become {@value #OTHER}, so a producer that sends a thousand made-up model names cannot
 * make a thousand time series. Long values are cut.
 */
final class BoundedLabel {

    static final String OTHER = "other";
    static final String NONE = "none";
    static final int MAX_CHARS = 100;

    private final int max;
    private final Set<String> kept = ConcurrentHashMap.newKeySet();

    BoundedLabel(int max) {
        this.max = max;
    }

    String of(String value) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        String label = value.length() <= MAX_CHARS ? value : value.substring(0, MAX_CHARS);
        if (kept.contains(label)) {
            return label;
        }
        if (kept.size() < max) { // a race may let a few more in: still bounded
            kept.add(label);
            return label;
        }
        return OTHER;
    }
}
