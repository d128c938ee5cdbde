package io.logitstream.metrics;

import java.util.OptionalInt;

/**
 * The port setting of a component's own {@code /metrics} listener: a number (0 takes any free port,
 * for tests and for several workers on one host), {@code off} for none, or unset for the component's
 * default.
 */
public final class MetricsPort {

    private MetricsPort() {
    }

    /**
     * @param value the setting as given (null or blank: {@code defaultPort})
     * @param key the setting's name, for the message of a bad value
     * @return the port to listen on, empty when metrics are off
     */
    public static OptionalInt parse(Object value, int defaultPort, String key) {
        String text = value == null ? "" : value.toString().trim();
        if (text.isEmpty()) {
            return OptionalInt.of(defaultPort);
        }
        if (text.equalsIgnoreCase("off") || text.equalsIgnoreCase("false") || text.equals("-1")) {
            return OptionalInt.empty();
        }
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535) {
                return OptionalInt.of(port);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a port (0..65535; 0 for any free one) or off, got " + value);
    }
}
