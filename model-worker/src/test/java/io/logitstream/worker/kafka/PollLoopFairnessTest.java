package io.logitstream.worker.kafka;

import static io.logitstream.worker.kafka.WorkerHarness.partition;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Freed in-flight slots go to a partition that waits with less than its share, not to whichever
 * partition's records the consumer returns first.
 */
class PollLoopFairnessTest {
    private static final TopicPartition P0 = partition(0);
    private static final TopicPartition P1 = partition(1);

    @Test
    void aWaitingPartitionUnderItsShareGetsTheFreedSlotsFirst() {
        WorkerHarness h = new WorkerHarness(Map.of(WorkerSettings.MAX_INFLIGHT_KEY, "4")).start(P0, P1);
        IntStream.range(0, 8).forEach(i -> h.request(P0, i, "a" + i));
        IntStream.range(0, 8).forEach(i -> h.request(P1, i, "b" + i));
        h.poll();
        assertThat(h.executor.submitted()).hasSize(4);
        String head = h.executor.submitted().get(0).substring(0, 1);
        String other = head.equals("a") ? "b" : "a";
        assertThat(h.executor.submitted()).allMatch(id -> id.startsWith(head));

        // two slots free up: both go to the partition that has nothing in flight
        h.executor.complete(head + "0");
        h.executor.complete(head + "1");
        h.poll(); // publishes the answers and applies the fair share
        h.poll();
        assertThat(h.executor.submitted()).hasSize(6);
        assertThat(h.executor.submitted().subList(4, 6)).containsExactly(other + "0", other + "1");

        // at their shares both run again as slots free up
        h.executor.complete(other + "0");
        h.executor.complete(head + "2");
        h.poll();
        h.poll();
        assertThat(h.executor.submitted()).hasSize(8);
    }
}
