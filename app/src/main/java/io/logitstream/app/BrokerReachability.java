package io.logitstream.app;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether anything listens at the bootstrap addresses, checked with plain TCP connects before a
 * command creates its Kafka clients. A Kafka client facing a stopped broker retries quietly until
 * its own timeouts pass and logs a warning per attempt; this check turns that into one clear message
 * within the command's timeout. It proves only that a port is open: security settings and metadata
 * are the clients' to check.
 */
public final class BrokerReachability {

    private static final Duration ATTEMPT = Duration.ofSeconds(2);
    private static final long RETRY_PAUSE_MS = 250;

    private BrokerReachability() {
    }

    /** Returns once one address accepts a connection; throws a message for a person after {@code timeout}. */
    public static void await(String bootstrapServers, Duration timeout) {
        List<InetSocketAddress> addresses = parse(bootstrapServers);
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no attempt";
        do {
            for (InetSocketAddress address : addresses) {
                long leftMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                try (Socket socket = new Socket()) {
                    // Resolved per attempt: a name that resolves later (a container starting) still counts.
                    socket.connect(new InetSocketAddress(address.getHostString(), address.getPort()),
                            (int) Math.min(ATTEMPT.toMillis(), leftMs));
                    return;
                } catch (IOException e) {
                    lastProblem = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                }
            }
            pause();
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("cannot reach the Kafka broker at " + bootstrapServers + " within "
                + timeout.toSeconds() + " s (" + lastProblem + "). Is it running? ./logitstream up starts a local"
                + " one; --bootstrap-servers or LOGITSTREAM_BOOTSTRAP_SERVERS point elsewhere.");
    }

    static List<InetSocketAddress> parse(String bootstrapServers) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String entry : bootstrapServers.split(",")) {
            String hostPort = entry.trim().replaceFirst("^[A-Za-z_]+://", "");
            int colon = hostPort.lastIndexOf(':');
            if (hostPort.isEmpty() || colon <= 0 || colon == hostPort.length() - 1) {
                throw new IllegalArgumentException("bootstrap server '" + entry.trim() + "' is not host:port");
            }
            String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            out.add(InetSocketAddress.createUnresolved(host, Integer.parseInt(hostPort.substring(colon + 1))));
        }
        return out;
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }
}
