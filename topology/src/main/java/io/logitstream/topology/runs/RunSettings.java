package io.logitstream.topology.runs;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of the run summaries and of the HTTP server that answers queries about them.
 *
 * @param resultsRetention how long the results store keeps each result
 * @param httpHost         address the query server listens on
 * @param httpPort         its port; 0 picks a free one, -1 turns the server off
 * @param advertisedHost   the host name other instances reach this one by (in {@code application.server})
 */
public record RunSettings(Duration resultsRetention, String httpHost, int httpPort, String advertisedHost) {

    public static final String RESULTS_RETENTION_KEY = "logitstream.results.retention.ms";
    public static final String HTTP_PORT_KEY = "logitstream.topology.http.port";
    public static final String HTTP_HOST_KEY = "logitstream.topology.http.host";
    public static final String ADVERTISED_HOST_KEY = "logitstream.topology.http.advertised.host";
    public static final int DEFAULT_HTTP_PORT = 8091;
    public static final Duration DEFAULT_RESULTS_RETENTION = Duration.ofHours(24);

    public RunSettings {
        if (httpPort < -1 || httpPort > 65535) {
            throw new IllegalArgumentException(HTTP_PORT_KEY + " must be -1 (off) or 0..65535, got " + httpPort);
        }
        if (resultsRetention.toMillis() < 60_000) {
            throw new IllegalArgumentException(RESULTS_RETENTION_KEY + " must be at least 60000 (a minute), got "
                    + resultsRetention.toMillis());
        }
    }

    public static RunSettings from(Map<String, String> settings) {
        return new RunSettings(
                Duration.ofMillis(Long.parseLong(settings.getOrDefault(RESULTS_RETENTION_KEY,
                        Long.toString(DEFAULT_RESULTS_RETENTION.toMillis())).trim())),
                settings.getOrDefault(HTTP_HOST_KEY, "0.0.0.0"),
                Integer.parseInt(settings.getOrDefault(HTTP_PORT_KEY, Integer.toString(DEFAULT_HTTP_PORT)).trim()),
                settings.getOrDefault(ADVERTISED_HOST_KEY, defaultAdvertisedHost()));
    }

    public boolean httpEnabled() {
        return httpPort >= 0;
    }

    /** This machine's name, which other instances of the application can usually resolve. */
    private static String defaultAdvertisedHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
