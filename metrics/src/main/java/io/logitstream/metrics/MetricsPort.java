package io.logitstream.metrics;

import java.util.Optional;

/**
 * Where a component's own {@code /metrics} listener goes, from its port setting: a number (0 takes
 * any free port, for tests), {@code off} for none, or unset for the component's default port. Only
 * the default gives way: when it is taken (a second worker on one host, {@code up} beside a running
 * worker) the listener takes any free port and logs it; a port given explicitly is used or reported.
 *
 * @param port the port to try
 * @param anyIfTaken whether any free port will do when {@code port} is taken
 */
public record MetricsPort(int port, boolean anyIfTaken) {

    /**
     * @param value the setting as given (null or blank: {@code defaultPort})
     * @param key the setting's name, for the message of a bad value
     * @return the port to listen on, empty when metrics are off
     */
    public static Optional<MetricsPort> parse(Object value, int defaultPort, String key) {
        String text = value == null ? "" : value.toString().trim();
        if (text.isEmpty()) {
            return Optional.of(new MetricsPort(defaultPort, true));
        }
        if (text.equalsIgnoreCase("off") || text.equalsIgnoreCase("false") || text.equals("-1")) {
            return Optional.empty();
        }
        try {
            int port = Integer.parseInt(text);
            if (port >= 0 && port <= 65535) {
                return Optional.of(new MetricsPort(port, false));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a port (0..65535; 0 for any free one) or off, got " + value);
    }

    /** Exactly this port (tests: 0 for any free one). */
    public static Optional<MetricsPort> exactly(int port) {
        return Optional.of(new MetricsPort(port, false));
    }
}
