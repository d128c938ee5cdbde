package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

class BrokerConnectionMonitorTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private double connections = 1;
    private final List<String> notices = new ArrayList<>();
    private final BrokerConnectionMonitor monitor = new BrokerConnectionMonitor("b:9092",
            () -> Map.of(new MetricName("connection-count", "consumer-metrics", "", Map.of()), metric()),
            now::get, notices::add);

    private Metric metric() {
        return new Metric() {
            @Override
            public MetricName metricName() {
                return new MetricName("connection-count", "consumer-metrics", "", Map.of());
            }

            @Override
            public Object metricValue() {
                return connections;
            }
        };
    }

    private void at(long ms, double count) {
        now.set(ms);
        connections = count;
        monitor.check();
    }

    @Test
    void saysOnceWhenTheBrokerIsGoneForTheGraceAndAgainWhenItIsBack() {
        at(1_000, 1);
        at(2_000, 0);
        at(2_000 + BrokerConnectionMonitor.GRACE_MS - 1, 0);
        assertThat(notices).isEmpty();

        at(2_000 + BrokerConnectionMonitor.GRACE_MS, 0);
        at(20_000, 0);
        assertThat(notices).singleElement().asString().contains("cannot reach the Kafka broker at b:9092");

        at(21_000, 1);
        assertThat(notices).hasSize(2).last().asString().contains("again");
    }

    @Test
    void aShortReconnectIsNotWorthAMessage() {
        at(1_000, 0);
        at(3_000, 1);
        at(4_000, 0);
        at(4_000 + BrokerConnectionMonitor.GRACE_MS - 1, 0);
        at(9_500, 1);

        assertThat(notices).isEmpty();
    }
}
