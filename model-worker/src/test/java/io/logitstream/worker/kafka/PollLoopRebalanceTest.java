package io.logitstream.worker.kafka;

import static io.logitstream.worker.kafka.WorkerHarness.partition;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Giving partitions up while requests of theirs are computing. */
class PollLoopRebalanceTest {

    private static final TopicPartition P0 = partition(0);
    private static final TopicPartition P1 = partition(1);

    @Test
    void aRevokeWaitsForNearResultsCommitsThemAndCancelsTheRest() throws Exception {
        WorkerHarness h = new WorkerHarness(Map.of(WorkerSettings.REVOKE_WAIT_KEY, "300")).start(P0, P1);
        h.request(P0, 0, "p0-a");
        h.request(P0, 1, "p0-b");
        h.request(P0, 2, "p0-slow");
        h.request(P1, 0, "p1-a");
        h.poll();
        assertThat(h.executor.submitted()).containsExactlyInAnyOrder("p0-a", "p0-b", "p0-slow", "p1-a");

        h.executor.complete("p0-b"); // answered, not yet published when the revoke comes
        // p0-a finishes during the revoke wait, on the serving thread; p0-slow never does
        h.consumer.schedulePollTask(() -> {
            CompletableFuture.runAsync(() -> h.executor.complete("p0-a"),
                    CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
            h.consumer.rebalance(List.of(P1));
        });
        long started = System.nanoTime();
        h.poll();
        long waitedMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(waitedMs).isBetween(250L, 2000L);
        assertThat(h.publishedResults()).containsExactlyInAnyOrder("p0-a", "p0-b");
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(2, ""));
        assertThat(h.executor.cancelled()).containsExactly("p0-slow");

        h.executor.complete("p0-slow"); // too late: P0 belongs to another worker now
        h.executor.complete("p1-a");
        h.poll();
        assertThat(h.publishedResults()).containsExactlyInAnyOrder("p0-a", "p0-b", "p1-a");
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(2, ""));
        assertThat(h.committed(P1)).isEqualTo(new OffsetAndMetadata(1, ""));
    }

    @Test
    void aRevokeWithNothingInFlightReturnsAtOnce() {
        WorkerHarness h = new WorkerHarness(Map.of(WorkerSettings.REVOKE_WAIT_KEY, "5000")).start(P0, P1);
        h.request(P1, 0, "p1-a");
        h.poll();
        h.consumer.schedulePollTask(() -> h.consumer.rebalance(List.of(P1)));
        long started = System.nanoTime();
        h.poll();
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(1000);
        assertThat(h.executor.cancelled()).isEmpty();
    }

    @Test
    void aPartitionThatComesBackIsServedFromItsCommitAndIgnoresAnswersToItsOldSubmissions() {
        WorkerHarness h = new WorkerHarness(Map.of(WorkerSettings.REVOKE_WAIT_KEY, "0")).start(P0);
        h.request(P0, 0, "a");
        h.request(P0, 1, "b");
        h.poll();
        h.executor.complete("b");
        h.poll();
        OffsetAndMetadata commit = h.committed(P0);
        assertThat(h.completedBeyond(commit)).containsExactly(1L);

        h.consumer.schedulePollTask(() -> h.consumer.rebalance(List.of()));
        h.poll();
        assertThat(h.executor.cancelled()).containsExactly("a");

        h.consumer.schedulePollTask(() -> {
            h.consumer.commitSync(Map.of(P0, commit)); // what the group coordinator holds
            h.consumer.rebalance(List.of(P0));
        });
        h.poll();
        h.poll();
        assertThat(h.executor.submitted()).containsExactly("a", "b", "a");

        h.executor.completeSubmission(0); // the cancelled first submission answers after all
        h.poll();
        assertThat(h.publishedResults()).containsExactly("b");

        h.executor.complete("a");
        h.poll();
        assertThat(h.publishedResults()).containsExactly("b", "a");
        assertThat(h.committed(P0)).isEqualTo(new OffsetAndMetadata(2, ""));
    }
}
