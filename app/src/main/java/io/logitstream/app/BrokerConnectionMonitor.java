package io.logitstream.app;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;

/**
 * Tells a person when a long-running reader loses the broker and when it has it back. A Kafka
 * consumer retries on its own, silently but for one log line per attempt; this reads the consumer's
 * {@code connection-count} metric on every poll and says so once, after the count has stayed at
 * zero for {@link #GRACE_MS} (a reconnect in between is not worth a message).
 */
final class BrokerConnectionMonitor {

    static final long GRACE_MS = 5_000;

    private final String bootstrap;
    private final Supplier<Map<MetricName, ? extends Metric>> metrics;
    private final LongSupplier clockMs;
    private final Consumer<String> notices;
    private long disconnectedSince = -1;
    private boolean reported;

    BrokerConnectionMonitor(String bootstrap, Supplier<Map<MetricName, ? extends Metric>> metrics,
            LongSupplier clockMs, Consumer<String> notices) {
        this.bootstrap = bootstrap;
        this.metrics = metrics;
        this.clockMs = clockMs;
        this.notices = notices;
    }

    /** Called after every poll. */
    void check() {
        long now = clockMs.getAsLong();
        if (connections() > 0) {
            if (reported) {
                notices.accept("connected to the Kafka broker at " + bootstrap + " again");
            }
            disconnectedSince = -1;
            reported = false;
            return;
        }
        if (disconnectedSince < 0) {
            disconnectedSince = now;
        } else if (!reported && now - disconnectedSince >= GRACE_MS) {
            reported = true;
            notices.accept("cannot reach the Kafka broker at " + bootstrap + " (no connection for "
                    + (now - disconnectedSince) / 1000 + " s); still trying, output resumes when it is back");
        }
    }

    private double connections() {
        for (var entry : metrics.get().entrySet()) {
            MetricName name = entry.getKey();
            if (name.name().equals("connection-count") && name.group().equals("consumer-metrics")
                    && entry.getValue().metricValue() instanceof Number n) {
                return n.doubleValue();
            }
        }
        return 1; // no such metric: nothing to say rather than a false alarm
    }
}
